# checkin — see README.md. `make run` and `make test` set up what they need first.
SWIFT       ?= swift
PREFIX      ?= $(HOME)/.local
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share
DOCDIR      ?= $(DATADIR)/doc/checkin
MANDIR      ?= $(DATADIR)/man
# systemd looks for user units in ~/.local/share/systemd/user and, system-wide, in
# /usr/local/lib/systemd/user or /usr/lib/systemd/user.
ifeq ($(PREFIX),$(HOME)/.local)
USERUNITDIR ?= $(DATADIR)/systemd/user
else
USERUNITDIR ?= $(PREFIX)/lib/systemd/user
endif
DBUSSERVICEDIR ?= $(DATADIR)/dbus-1/services

RELEASE_BIN = .build/release
# What `make install` builds and installs: `swift build -c $(CONFIGURATION) --scratch-path
# $(SCRATCH_PATH)`, then the binaries from $(SCRATCH_PATH)/$(CONFIGURATION). The end-to-end test
# installs the debug build (CONFIGURATION=debug) so CI does not need a release build.
CONFIGURATION ?= release
SCRATCH_PATH  ?= .build
INSTALL_BIN    = $(SCRATCH_PATH)/$(CONFIGURATION)

.PHONY: all deps test-deps build release run test unit-test e2e-test bench install uninstall default-config clean man-pages

all: build

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh --test

build: deps
	$(SWIFT) build

# Release builds link the Swift runtime statically: the daemon then maps no shared Swift libraries
# it does not use, which keeps it ~3 MiB under its 16 MiB RSS budget (docs/PERFORMANCE.md).
RELEASE_FLAGS = --static-swift-stdlib

release: deps
	$(SWIFT) build -c release $(RELEASE_FLAGS)

# Runs the daemon in the foreground on your session bus with the built-in default config
# (or your ~/.config/checkin/config.json). Ctrl-C stops it.
run: release
	$(RELEASE_BIN)/checkind $(ARGS)

# The whole suite: unit and integration tests (real dbus-daemon, SQLite, journald), then the
# end-to-end test under a real systemd user manager.
# The suite is XCTest; Swift Testing is turned off so its empty run does not close the output
# with "0 tests".
TEST_FLAGS = --disable-swift-testing

test: test-deps
	$(SWIFT) build
	$(SWIFT) test $(TEST_FLAGS)
	scripts/e2e.sh

unit-test: test-deps
	$(SWIFT) test $(TEST_FLAGS)

e2e-test: test-deps
	$(SWIFT) build
	scripts/e2e.sh

bench: release test-deps
	/usr/bin/python3 scripts/bench.py
	/usr/bin/python3 scripts/bench_schedule.py

install: deps
	$(SWIFT) build -c $(CONFIGURATION) --scratch-path $(SCRATCH_PATH) $(if $(filter release,$(CONFIGURATION)),$(RELEASE_FLAGS))
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(USERUNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(INSTALL_BIN)/checkind $(INSTALL_BIN)/checkin $(DESTDIR)$(BINDIR)/
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' systemd/checkind.service > $(DESTDIR)$(USERUNITDIR)/checkind.service
	chmod 0644 $(DESTDIR)$(USERUNITDIR)/checkind.service
	install -m 0644 config/default.json $(DESTDIR)$(DOCDIR)/config.example.json
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	cp -R docs/. $(DESTDIR)$(DOCDIR)/
	@if [ -d man ]; then install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8; \
	  for f in man/*.[158]; do install -m 0644 $$f $(DESTDIR)$(MANDIR)/man$${f##*.}/; done; fi
	@echo "Installed. Start it with: systemctl --user daemon-reload && systemctl --user enable --now checkind"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/checkind $(DESTDIR)$(BINDIR)/checkin $(DESTDIR)$(USERUNITDIR)/checkind.service
	rm -rf $(DESTDIR)$(DOCDIR)

# Regenerates the built-in config from config/default.json.
default-config:
	scripts/gen-default-config.sh

clean:
	rm -rf .build

# Regenerates man/checkin.1 from the CLI's own help (swift-argument-parser's generate-manual).
man-pages:
	$(SWIFT) package plugin generate-manual --configuration debug
	cp .build/plugins/GenerateManual/outputs/checkin/checkin.1 man/checkin.1

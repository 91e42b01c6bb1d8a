#!/usr/bin/env bash
# Writes Sources/CheckinCore/DefaultConfig.swift from config/default.json (the built-in config).
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo '// The built-in config, used when no config file exists. It is config/default.json verbatim:'
  echo '// `make default-config` regenerates this file and a test checks that the two agree.'
  echo 'public enum DefaultConfig {'
  echo '    public static let json = #"""'
  cat config/default.json
  echo '"""#'
  echo '}'
} > Sources/CheckinCore/DefaultConfig.swift

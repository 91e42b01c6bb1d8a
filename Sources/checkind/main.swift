print("checkind")

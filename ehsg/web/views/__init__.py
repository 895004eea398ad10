"""One module per page: thin handlers, each calling the library function the matching command calls."""

"""`ehsg serve`: the toolkit as a local web app, each page a thin layer over the library."""

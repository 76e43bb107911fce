"""`create image ...`: Flux objects built and exported as `flux create --export` prints them."""

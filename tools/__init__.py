"""Developer tools run by ``make``: the sample-county generator, output listing, comparisons."""

"""One module per view: stylize, compare, batch, models."""

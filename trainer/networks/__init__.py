"""Generators and discriminators of the four families, one module each."""

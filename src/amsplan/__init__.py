"""amsplan: plan a smart-meter roll-out."""

__version__ = "0.1.0"

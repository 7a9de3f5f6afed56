"""The JSON API of the portal core (DRF), for mobile apps."""

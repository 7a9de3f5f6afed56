"""Pages of the portal core: thin views that parse input, call a service or selector, render."""

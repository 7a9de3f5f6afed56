"""Every write the portal core makes, one function per action."""

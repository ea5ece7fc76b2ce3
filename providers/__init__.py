"""One subpackage per cloud; `base.py` holds the protocol and the registry."""

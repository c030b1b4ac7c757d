"""The ``local`` links of the chains: offline models that need no key and no network."""

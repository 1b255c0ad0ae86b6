"""Running gridops on a host: the supervisor of ``gridops run`` and its log."""

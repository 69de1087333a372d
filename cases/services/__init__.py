"""Every write to the domain goes through a function in this package (or ``cases.workflow``)."""

"""Credit supply: projects, lots, allocations, reservations, retirements and the ledger."""

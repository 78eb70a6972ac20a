"""Order pages for venues (their orders and refunds) and platform admins (every order, refunds,
what is owed to each project owner)."""

"""The venue's choice of the credit offers its visitors see."""

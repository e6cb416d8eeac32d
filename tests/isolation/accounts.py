"""URLs of accounts (beside allauth's, under accounts/): each is about the signed-in person only,
so it has no object for an outsider to reach; the sweep checks it is classified, no more."""

SIGNED_IN = {"accounts:email_settings"}

-- Devices (issue 26): one identity on several computers. Version 11 was
-- left to devices once; they took 13 (the brief's), 14 is device sync's.
--
-- own_devices: this identity's devices, this one included. `device_id` is
-- the device certificate's SHA-256 (written as a peer id; the first
-- device's is the peer id itself). `admin`: it holds the identity key, so it
-- may add and revoke devices. `addrs`: where it said it listens, a JSON
-- list of HOST:PORT. `last_seen`: a link to it was last up then (epoch ms).
-- `revoked_at`: revoked by the identity then; `revocation`: the signed
-- statement (JSON), handed on to contacts and devices that missed it.
CREATE TABLE own_devices (
  device_id VARCHAR(63) NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  admin INTEGER NOT NULL DEFAULT 0,
  addrs TEXT NOT NULL DEFAULT '[]',
  added_at INTEGER NOT NULL,
  last_seen INTEGER,
  revoked_at INTEGER,
  revocation TEXT
);

-- peer_devices: the devices of others' identities we have heard of (a
-- contact's roster), and those their identity revoked: a revoked device is
-- refused as a changed identity is. Same columns, keyed by (peer, device).
CREATE TABLE peer_devices (
  peer_id VARCHAR(63) NOT NULL,
  device_id VARCHAR(63) NOT NULL,
  name VARCHAR(200) NOT NULL DEFAULT '',
  addrs TEXT NOT NULL DEFAULT '[]',
  last_seen INTEGER,
  revoked_at INTEGER,
  revocation TEXT,
  PRIMARY KEY (peer_id, device_id)
);

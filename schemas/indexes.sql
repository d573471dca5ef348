-- Secondary indexes, built by recorder_close() after ingest (schema
-- version 3).  Building them afterwards is ~16x cheaper than maintaining
-- them during capture.  IF NOT EXISTS so that a reader or a re-run can
-- apply them to a database left incomplete by a killed recorder.
--
-- Each index must earn its bytes (measured on metabench 8000, bytes per
-- request; schemas/README.md lists who uses which):
--   request_unique    12  request by unique: viewer jumps, event -> request
--                         joins (export, scenarios), INTERRUPT targets
--   inode_event_node  10  a node's history: inode_lifetime, the viewer's
--                         state at cursor, scenario assertions
--   forget_nodeid      1  sum(nlookup) per node
--   dirent_*, manifest_nodeid: small tables, replay
-- Deliberately absent:
--   request(nodeid)          ~14 B: per-file questions scan request once
--                            (file_activity); "next request on this nodeid"
--                            walks forward by id.
--   backing_call(unique_id)  ~15 B, inode_event(unique_id) ~8 B,
--   fh_event(fh)             ~4 B (schema 1 had them): the events of one
--                            request lie between its request and reply in id
--                            order, so readers find them in an id window (the
--                            viewer's detail pane does); an ad-hoc join by
--                            unique_id gets an automatic index from SQLite.
--                            Nothing looked events up by fh.

CREATE INDEX IF NOT EXISTS request_unique   ON request(unique_id);
CREATE INDEX IF NOT EXISTS inode_event_node ON inode_event(nodeid, id);
CREATE INDEX IF NOT EXISTS forget_nodeid    ON forget(nodeid);
CREATE INDEX IF NOT EXISTS dirent_unique    ON dirent(unique_id);
CREATE INDEX IF NOT EXISTS dirent_nodeid    ON dirent(nodeid);
CREATE INDEX IF NOT EXISTS manifest_nodeid  ON manifest(nodeid);

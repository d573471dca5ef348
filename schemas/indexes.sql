-- Secondary indexes, built by recorder_close() after ingest (schema
-- version 1).  Building them afterwards is ~16x cheaper than maintaining
-- them during capture.  IF NOT EXISTS so that a reader or a re-run can
-- apply them to a database left incomplete by a killed recorder.
--
-- Deliberately absent: request(nodeid).  It would cost ~14 bytes per
-- request (10-15% of the file); per-file questions scan request once
-- (file_activity) and "next request on this nodeid" walks forward by id.

CREATE INDEX IF NOT EXISTS request_unique   ON request(unique_id);
CREATE INDEX IF NOT EXISTS inode_event_node ON inode_event(nodeid, id);
CREATE INDEX IF NOT EXISTS inode_event_uniq ON inode_event(unique_id);
CREATE INDEX IF NOT EXISTS fh_event_fh      ON fh_event(fh);
CREATE INDEX IF NOT EXISTS backing_unique   ON backing_call(unique_id);
CREATE INDEX IF NOT EXISTS forget_nodeid    ON forget(nodeid);
CREATE INDEX IF NOT EXISTS dirent_unique    ON dirent(unique_id);
CREATE INDEX IF NOT EXISTS dirent_nodeid    ON dirent(nodeid);
CREATE INDEX IF NOT EXISTS manifest_nodeid  ON manifest(nodeid);

-- Synced tables stop checking their connection row by row. A foreign key runs a query of its own for
-- every inserted row (a fifth of a sync's insert time). A trigger per statement checks each connection
-- the statement's rows name once instead, and locks its row FOR KEY SHARE as the key's check did, so a
-- connection cannot be deleted under a page being written, and no row is written for a deleted one or
-- for another tenant's (SECURITY.md T9). What the key's ON DELETE CASCADE did, deleting a connection's
-- synced rows with it, a trigger on connections does.

-- Synced tables are those of the synced frame (migration 0003): a connection_id and a content_hash.
CREATE FUNCTION pg_temp.is_synced_table(relation regclass) RETURNS boolean LANGUAGE sql AS $$
    SELECT count(*) = 2 FROM pg_attribute
    WHERE attrelid = relation AND attname IN ('connection_id', 'content_hash') AND NOT attisdropped
$$;

-- Runs as the caller: a writer works in its tenant's scope, where its connections are visible.
CREATE FUNCTION check_synced_connections() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    named record;
BEGIN
    FOR named IN SELECT DISTINCT tenant_id, connection_id FROM written_rows LOOP
        PERFORM FROM connections WHERE tenant_id = named.tenant_id AND id = named.connection_id FOR KEY SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'connection % of tenant % does not exist', named.connection_id, named.tenant_id
                USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

DO $$
DECLARE
    key record;
    synced regclass;
BEGIN
    FOR key IN
        SELECT conrelid::regclass AS synced, conname FROM pg_constraint
        WHERE contype = 'f' AND confrelid = 'connections'::regclass AND pg_temp.is_synced_table(conrelid::regclass)
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', key.synced, key.conname);
        EXECUTE format($sql$
            CREATE TRIGGER synced_connection_inserted AFTER INSERT ON %1$s
                REFERENCING NEW TABLE AS written_rows FOR EACH STATEMENT EXECUTE FUNCTION check_synced_connections();
            CREATE TRIGGER synced_connection_updated AFTER UPDATE ON %1$s
                REFERENCING NEW TABLE AS written_rows FOR EACH STATEMENT EXECUTE FUNCTION check_synced_connections();
            $sql$, key.synced);
    END LOOP;
END $$;

-- Runs as the caller, under row-level security: a connection is deleted in its tenant's scope.
CREATE FUNCTION delete_synced_rows() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    synced regclass;
BEGIN
    FOR synced IN
        SELECT c.oid::regclass FROM pg_class c
        WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
          AND (SELECT count(*) FROM pg_attribute a
               WHERE a.attrelid = c.oid AND a.attname IN ('connection_id', 'content_hash') AND NOT a.attisdropped) = 2
    LOOP
        EXECUTE format('DELETE FROM %s WHERE tenant_id = $1 AND connection_id = $2', synced) USING OLD.tenant_id, OLD.id;
    END LOOP;
    RETURN OLD;
END $$;

CREATE TRIGGER connections_delete_synced_rows AFTER DELETE ON connections
    FOR EACH ROW EXECUTE FUNCTION delete_synced_rows();

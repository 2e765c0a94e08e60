-- A connect link may ask for actions as well as reads (DESIGN §6.1: connect-sessions {"actions": true}):
-- its page then lists the write scopes and what each lets Tether change.
ALTER TABLE connect_sessions ADD COLUMN actions boolean NOT NULL DEFAULT false;

-- WB-4 sticky routing: the agent a conversation was taken from when they went away or
-- offline; when it is routed again and they are back, it goes to them first.
ALTER TABLE conversations ADD COLUMN last_assignee_id TEXT;

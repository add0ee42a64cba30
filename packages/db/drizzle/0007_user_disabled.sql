-- When an admin disabled a console user (null: enabled). A disabled user cannot sign in and loses
-- every session at once; the column keeps the user and their audit trail instead of deleting them.
ALTER TABLE "auth_user" ADD COLUMN "disabled_at" timestamp with time zone;

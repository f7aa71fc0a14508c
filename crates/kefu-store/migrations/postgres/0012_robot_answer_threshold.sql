-- Issue #16 (BOT-6): the confidence at or above which a shop's robot answers, picked on the
-- calibration curve of the robot's page; NULL is the robot's default.
ALTER TABLE robot_settings ADD COLUMN answer_threshold DOUBLE PRECISION;

-- The seat_usage view joins the plan-usage rows a sync stores with provider_seat_plans, but the Zoom
-- connector stores a plan under its kind without Zoom's `plan_` prefix (`base`), while 0007 listed
-- `plan_base`: the view matched nothing (issue 16). The catalogue now names the plan as it is stored.
UPDATE provider_seat_plans SET plan = 'base' WHERE provider = 'zoom' AND plan = 'plan_base';

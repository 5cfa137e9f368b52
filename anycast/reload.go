package anycast

// SetConfig replaces the grace and linger periods, for a reload of the
// configuration: a maintenance drain begun afterwards withdraws after the new
// grace; one whose grace is running keeps its timer; a stop's drain under way
// keeps the periods it started with. A configuration that does not validate
// changes nothing.
func (c *Controller) SetConfig(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cfg = cfg
	return nil
}

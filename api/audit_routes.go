package api

// auditRoutes are the routes of the verifiable audit log.
func (s *Server) auditRoutes() []route { return nil }

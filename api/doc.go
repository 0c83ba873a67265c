// Package api is the REST interface of Exercise Access under /api/v1: the
// route table (who may call what), thin handlers that decode, call one domain
// service and encode, the JSON shapes with their converters (model.go), and
// the one error handler that writes RFC 9457 problem+json.
//
// Nothing here talks SQL or knows GORM; business rules live in domain.
package api

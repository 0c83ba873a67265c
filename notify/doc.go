// Package notify delivers the notification outbox: a worker claims due
// rows through domain.Outbox, sends each on its channel (e-mail over SMTP,
// webhooks signed as Standard Webhooks), and records the outcome with
// retries and exponential back-off. Rows are
// written by storage in the transaction of the change that causes them;
// this package never writes them.
package notify

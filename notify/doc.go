// Package notify delivers the notification outbox: a worker claims due
// rows through Outbox (domain.Outbox and the renewal of a row's lease just
// before it is sent), sends them on their channel, a few at once per
// channel (e-mail over SMTP, webhooks signed as Standard Webhooks), and
// records the outcome with retries and exponential back-off. Rows are
// written by storage in the transaction of the change that causes them;
// this package never writes them.
package notify

/*
 * systemd readiness notifications (sd_notify protocol), written by hand:
 * a datagram to $NOTIFY_SOCKET.  Without that variable these do nothing.
 */
#ifndef TM_NOTIFY_H
#define TM_NOTIFY_H

int	notify_send(const char *);
void	notify_ready(void);
void	notify_reloading(void);
void	notify_stopping(void);

#endif /* TM_NOTIFY_H */

/*
 * Connection slot states, one line each: the enum, the one-letter code shown
 * by tamarinctl (letters in the spirit of Apache's mod_status), and the name
 * used in JSON.  Worker, status handler and tamarinctl all expand this table,
 * so a state can never be shown differently in two places.
 *
 *   FREE -(master CAS)-> CLAIMED -(worker)-> HANDSHAKE | PROXY | READING |
 *   WORKING | WRITING | IDLE -> CLOSING -(worker release)-> FREE
 */
#ifndef TM_SLOT_STATES_H
#define TM_SLOT_STATES_H

#define TM_SLOT_STATES(X)						\
	X(FREE,		'.',	"free")					\
	X(CLAIMED,	'A',	"claimed")				\
	X(HANDSHAKE,	'H',	"handshake")				\
	X(PROXY,	'P',	"proxy_header")				\
	X(READING,	'R',	"reading")				\
	X(WORKING,	'X',	"working")				\
	X(WRITING,	'W',	"writing")				\
	X(IDLE,		'K',	"keepalive")				\
	X(CLOSING,	'C',	"closing")

enum tm_slot_state {
#define X(id, letter, name) TM_SLOT_##id,
	TM_SLOT_STATES(X)
#undef X
	TM_SLOT__COUNT
};

/* Worker (block) states. */
#define TM_WORKER_STATES(X)						\
	X(UNUSED,	"unused")					\
	X(STARTING,	"starting")					\
	X(RUNNING,	"running")					\
	X(DRAINING,	"draining")					\
	X(EXITED,	"exited")

enum tm_worker_state {
#define X(id, name) TM_WORKER_##id,
	TM_WORKER_STATES(X)
#undef X
	TM_WORKER__COUNT
};

#endif /* TM_SLOT_STATES_H */

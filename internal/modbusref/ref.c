#include "ref.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include) && !defined(REF_NO_LIBMODBUS_HEADER)
#if __has_include(<modbus/modbus.h>)
#include <modbus/modbus.h>
#define REF_HAVE_HEADER 1
#endif
#endif

#ifndef REF_HAVE_HEADER

int ref_load(char *why, int whylen) {
	snprintf(why, whylen, "libmodbus headers (<modbus/modbus.h>) were not found when this test binary was built: apt-get install libmodbus-dev");
	return -1;
}
ref_slave *ref_slave_start(const char *d, int b, char p, int db, int sb, int sl, int hs, int hc, int is, int ic, int cs, int cc, int dbg, int *err) { *err = ENOSYS; return NULL; }
int ref_slave_coils(ref_slave *s, int addr, int n, uint8_t *out) { return -1; }
long ref_slave_coil_writes(ref_slave *s, long long *last_ns) { *last_ns = 0; return 0; }
int ref_slave_set(ref_slave *s, int input, int addr, const uint16_t *v, int n) { return -1; }
int ref_slave_coils(ref_slave *s, int addr, int n, uint8_t *out) {
	pthread_mutex_lock(&s->mu);
	int rc = -1;
	if (addr >= s->map->start_bits && addr + n <= s->map->start_bits + s->map->nb_bits) {
		memcpy(out, s->map->tab_bits + (addr - s->map->start_bits), (size_t)n);
		rc = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

long ref_slave_coil_writes(ref_slave *s, long long *last_ns) {
	pthread_mutex_lock(&s->mu);
	long n = s->coil_writes;
	*last_ns = s->coil_write_ns;
	pthread_mutex_unlock(&s->mu);
	return n;
}

void ref_slave_exception(ref_slave *s, int code) {}
void ref_slave_get_stats(ref_slave *s, ref_slave_stats *st) { memset(st, 0, sizeof *st); }
void ref_slave_stop(ref_slave *s) {}
ref_master *ref_master_open(const char *d, int b, char p, int db, int sb, int sl, int to, int dbg, int *err) { *err = ENOSYS; return NULL; }
int ref_master_read(ref_master *m, int f, int a, int n, uint16_t *d, int *err) { *err = ENOSYS; return -1; }
int ref_master_write_registers(ref_master *m, int a, int n, const uint16_t *v, int *err) { *err = ENOSYS; return -1; }
void ref_master_close(ref_master *m) {}
const char *ref_strerror(int errnum) { return strerror(errnum); }
int ref_enobase(void) { return 112345678; }
float ref_get_float(int order, const uint16_t *src) { return 0; }

#else

/* The libmodbus functions used, typed from the real header. */
static struct {
	__typeof__(&modbus_new_rtu) new_rtu;
	__typeof__(&modbus_set_slave) set_slave;
	__typeof__(&modbus_set_debug) set_debug;
	__typeof__(&modbus_connect) connect;
	__typeof__(&modbus_close) close;
	__typeof__(&modbus_free) free;
	__typeof__(&modbus_set_indication_timeout) set_indication_timeout;
	__typeof__(&modbus_set_response_timeout) set_response_timeout;
	__typeof__(&modbus_mapping_new_start_address) mapping_new_start_address;
	__typeof__(&modbus_mapping_free) mapping_free;
	__typeof__(&modbus_receive) receive;
	__typeof__(&modbus_reply) reply;
	__typeof__(&modbus_reply_exception) reply_exception;
	__typeof__(&modbus_read_registers) read_registers;
	__typeof__(&modbus_read_input_registers) read_input_registers;
	__typeof__(&modbus_write_registers) write_registers;
	__typeof__(&modbus_strerror) strerror;
	__typeof__(&modbus_get_float_abcd) get_float_abcd;
	__typeof__(&modbus_get_float_cdab) get_float_cdab;
} mb;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_err[512];
static int loaded;

static void load(void) {
	void *h = dlopen("libmodbus.so.5", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(load_err, sizeof load_err, "libmodbus.so.5 could not be loaded (%s): apt-get install libmodbus-dev", dlerror());
		return;
	}
#define SYM(field, name)                                                                       \
	do {                                                                                       \
		*(void **)(&mb.field) = dlsym(h, name);                                                \
		if (mb.field == NULL) {                                                                \
			snprintf(load_err, sizeof load_err, "libmodbus.so.5 lacks %s (need 3.1.6 or later)", name); \
			return;                                                                            \
		}                                                                                      \
	} while (0)
	SYM(new_rtu, "modbus_new_rtu");
	SYM(set_slave, "modbus_set_slave");
	SYM(set_debug, "modbus_set_debug");
	SYM(connect, "modbus_connect");
	SYM(close, "modbus_close");
	SYM(free, "modbus_free");
	SYM(set_indication_timeout, "modbus_set_indication_timeout");
	SYM(set_response_timeout, "modbus_set_response_timeout");
	SYM(mapping_new_start_address, "modbus_mapping_new_start_address");
	SYM(mapping_free, "modbus_mapping_free");
	SYM(receive, "modbus_receive");
	SYM(reply, "modbus_reply");
	SYM(reply_exception, "modbus_reply_exception");
	SYM(read_registers, "modbus_read_registers");
	SYM(read_input_registers, "modbus_read_input_registers");
	SYM(write_registers, "modbus_write_registers");
	SYM(strerror, "modbus_strerror");
	SYM(get_float_abcd, "modbus_get_float_abcd");
	SYM(get_float_cdab, "modbus_get_float_cdab");
#undef SYM
	loaded = 1;
}

int ref_load(char *why, int whylen) {
	pthread_once(&load_once, load);
	if (!loaded) {
		snprintf(why, whylen, "%s", load_err);
		return -1;
	}
	return 0;
}

static modbus_t *open_rtu(const char *device, int baud, char parity, int data_bits, int stop_bits,
                          int slave, int debug, int *err) {
	modbus_t *ctx = mb.new_rtu(device, baud, parity, data_bits, stop_bits);
	if (ctx == NULL) {
		*err = errno;
		return NULL;
	}
	mb.set_debug(ctx, debug);
	if (mb.set_slave(ctx, slave) == -1 || mb.connect(ctx) == -1) {
		*err = errno;
		mb.free(ctx);
		return NULL;
	}
	return ctx;
}

struct ref_slave {
	modbus_t *ctx;
	modbus_mapping_t *map;
	pthread_t thread;
	pthread_mutex_t mu; /* guards map, exception, stats */
	int stop;           /* atomic */
	int debug;
	int exception;
	ref_slave_stats stats;
	long coil_writes;
	long long coil_write_ns;
};

static void *serve(void *arg) {
	ref_slave *s = arg;
	uint8_t req[MODBUS_RTU_MAX_ADU_LENGTH];
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		int rc = mb.receive(s->ctx, req);
		int e = errno;
		if (s->debug) {
			fflush(stdout); /* libmodbus's trace; Go's exit would lose it */
		}
		if (rc > 0) {
			pthread_mutex_lock(&s->mu);
			s->stats.requests++;
			if (s->exception != 0) {
				s->stats.exceptions++;
				mb.reply_exception(s->ctx, req, (unsigned int)s->exception);
			} else {
				mb.reply(s->ctx, req, rc, s->map);
				if (req[1] == 0x05 || req[1] == 0x0F) {
					struct timespec ts;
					clock_gettime(CLOCK_REALTIME, &ts);
					s->coil_writes++;
					s->coil_write_ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
				}
			}
			pthread_mutex_unlock(&s->mu);
			if (s->debug) {
				fflush(stdout);
			}
			continue;
		}
		if (rc == 0) {
			pthread_mutex_lock(&s->mu);
			s->stats.ignored++;
			pthread_mutex_unlock(&s->mu);
			continue;
		}
		if (e == ETIMEDOUT) {
			continue; /* the indication timeout: look at stop again */
		}
		pthread_mutex_lock(&s->mu);
		s->stats.errors++;
		s->stats.last_errno = e;
		pthread_mutex_unlock(&s->mu);
		if (e < ref_enobase()) {
			usleep(10000); /* a system error (the line went away): do not spin */
		}
	}
	return NULL;
}

ref_slave *ref_slave_start(const char *device, int baud, char parity, int data_bits, int stop_bits,
                           int slave, int hstart, int hcount, int istart, int icount, int cstart, int ccount,
                           int debug, int *err) {
	ref_slave *s = calloc(1, sizeof *s);
	if (s == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	s->ctx = open_rtu(device, baud, parity, data_bits, stop_bits, slave, debug, err);
	if (s->ctx == NULL) {
		free(s);
		return NULL;
	}
	s->debug = debug;
	mb.set_indication_timeout(s->ctx, 0, 50000);
	s->map = mb.mapping_new_start_address(cstart, ccount, 0, 0, hstart, hcount, istart, icount);
	if (s->map == NULL) {
		*err = errno;
		mb.close(s->ctx);
		mb.free(s->ctx);
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	int rc = pthread_create(&s->thread, NULL, serve, s);
	if (rc != 0) {
		*err = rc;
		mb.mapping_free(s->map);
		mb.close(s->ctx);
		mb.free(s->ctx);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	return s;
}

int ref_slave_set(ref_slave *s, int input, int addr, const uint16_t *vals, int n) {
	pthread_mutex_lock(&s->mu);
	int start = input ? s->map->start_input_registers : s->map->start_registers;
	int count = input ? s->map->nb_input_registers : s->map->nb_registers;
	uint16_t *tab = input ? s->map->tab_input_registers : s->map->tab_registers;
	int rc = -1;
	if (addr >= start && addr + n <= start + count) {
		memcpy(tab + (addr - start), vals, (size_t)n * sizeof *vals);
		rc = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int ref_slave_coils(ref_slave *s, int addr, int n, uint8_t *out) {
	pthread_mutex_lock(&s->mu);
	int rc = -1;
	if (addr >= s->map->start_bits && addr + n <= s->map->start_bits + s->map->nb_bits) {
		memcpy(out, s->map->tab_bits + (addr - s->map->start_bits), (size_t)n);
		rc = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

long ref_slave_coil_writes(ref_slave *s, long long *last_ns) {
	pthread_mutex_lock(&s->mu);
	long n = s->coil_writes;
	*last_ns = s->coil_write_ns;
	pthread_mutex_unlock(&s->mu);
	return n;
}

void ref_slave_exception(ref_slave *s, int code) {
	pthread_mutex_lock(&s->mu);
	s->exception = code;
	pthread_mutex_unlock(&s->mu);
}

void ref_slave_get_stats(ref_slave *s, ref_slave_stats *st) {
	pthread_mutex_lock(&s->mu);
	*st = s->stats;
	pthread_mutex_unlock(&s->mu);
}

void ref_slave_stop(ref_slave *s) {
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(s->thread, NULL);
	mb.close(s->ctx);
	mb.free(s->ctx);
	mb.mapping_free(s->map);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

struct ref_master {
	modbus_t *ctx;
};

ref_master *ref_master_open(const char *device, int baud, char parity, int data_bits, int stop_bits,
                            int slave, int timeout_ms, int debug, int *err) {
	ref_master *m = calloc(1, sizeof *m);
	if (m == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	m->ctx = open_rtu(device, baud, parity, data_bits, stop_bits, slave, debug, err);
	if (m->ctx == NULL) {
		free(m);
		return NULL;
	}
	mb.set_response_timeout(m->ctx, (uint32_t)(timeout_ms / 1000), (uint32_t)(timeout_ms % 1000) * 1000);
	return m;
}

int ref_master_read(ref_master *m, int function, int addr, int n, uint16_t *dest, int *err) {
	int rc = function == 4 ? mb.read_input_registers(m->ctx, addr, n, dest)
	                       : mb.read_registers(m->ctx, addr, n, dest);
	if (rc == -1) {
		*err = errno;
	}
	fflush(stdout);
	return rc;
}

int ref_master_write_registers(ref_master *m, int addr, int n, const uint16_t *vals, int *err) {
	int rc = mb.write_registers(m->ctx, addr, n, vals);
	if (rc == -1) {
		*err = errno;
	}
	fflush(stdout);
	return rc;
}

void ref_master_close(ref_master *m) {
	mb.close(m->ctx);
	mb.free(m->ctx);
	free(m);
}

const char *ref_strerror(int errnum) { return mb.strerror(errnum); }

int ref_enobase(void) { return MODBUS_ENOBASE; }

float ref_get_float(int order, const uint16_t *src) {
	return order == 0 ? mb.get_float_abcd(src) : mb.get_float_cdab(src);
}

#endif

/* A libmodbus RTU slave and master for tests, with libmodbus loaded at run
 * time (dlopen), so the package builds where libmodbus is missing and the
 * tests can say so instead of failing to link. */
#ifndef MODBUSREF_H
#define MODBUSREF_H

#include <stdint.h>

typedef struct ref_slave ref_slave;
typedef struct ref_master ref_master;

typedef struct {
	long requests;   /* requests for this slave, answered */
	long exceptions; /* of which answered by modbus_reply_exception */
	long ignored;    /* modbus_receive returned 0: a request for another slave */
	long errors;     /* modbus_receive failed other than by the idle timeout */
	int last_errno;
} ref_slave_stats;

/* ref_load loads libmodbus; 0 on success, else -1 with why filled in. */
int ref_load(char *why, int whylen);

/* Slave: maps holding registers [hstart, hstart+hcount) and input registers
 * [istart, istart+icount); everything else is answered with exception 2 by
 * libmodbus itself. */
ref_slave *ref_slave_start(const char *device, int baud, char parity, int data_bits, int stop_bits,
                           int slave, int hstart, int hcount, int istart, int icount, int cstart, int ccount,
                           int debug, int *err);
/* ref_slave_coils copies n coils from addr (one byte each, 0 or 1); -1 when outside the map. */
int ref_slave_coils(ref_slave *s, int addr, int n, uint8_t *out);
/* ref_slave_coil_writes returns how many coil writes (functions 5 and 15) the slave
 * answered, and the CLOCK_REALTIME time in ns when it answered the last one. */
long ref_slave_coil_writes(ref_slave *s, long long *last_ns);
int ref_slave_set(ref_slave *s, int input, int addr, const uint16_t *vals, int n);
void ref_slave_exception(ref_slave *s, int code);
void ref_slave_get_stats(ref_slave *s, ref_slave_stats *st);
void ref_slave_stop(ref_slave *s);

ref_master *ref_master_open(const char *device, int baud, char parity, int data_bits, int stop_bits,
                            int slave, int timeout_ms, int debug, int *err);
/* ref_master_read returns the number of registers read, or -1 with *err set. */
int ref_master_read(ref_master *m, int function, int addr, int n, uint16_t *dest, int *err);
/* ref_master_write_registers uses function 0x10; same return convention. */
int ref_master_write_registers(ref_master *m, int addr, int n, const uint16_t *vals, int *err);
void ref_master_close(ref_master *m);

const char *ref_strerror(int errnum);
int ref_enobase(void);
float ref_get_float(int order, const uint16_t *src); /* 0 abcd, 1 cdab */

#endif

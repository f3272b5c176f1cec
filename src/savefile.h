/* savefile.h: the packets that fired start, appended to a pcap savefile */
#ifndef TUNINETD_SAVEFILE_H
#define TUNINETD_SAVEFILE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct savefile;

struct savefile	*savefile_open(const char *path, char *err, size_t);
int		 savefile_bind(struct savefile *, int linktype, char *err,
		    size_t);
void		 savefile_write(struct savefile *, int linktype,
		    const struct timespec *, const uint8_t *, uint32_t caplen,
		    uint32_t len);
void		 savefile_close(struct savefile *);

#endif

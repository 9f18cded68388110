/* SPDX-License-Identifier: MIT */
/* `toffee run`'s look at the program before it runs it: LD_PRELOAD reaches
 * only programs that the dynamic loader starts and that make their socket
 * calls through libc. A statically linked program, or a Go program (Go
 * makes its system calls itself), would silently use the kernel's TCP
 * stack; toffee run says so. Reads the ELF headers only (64-bit, little
 * endian, as the hosts toffee runs on); anything else (a script, a 32-bit
 * program) is not judged. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

/* The file execvp() would run for @p cmd, into @p out. */
static int find_program(const char *cmd, char *out, size_t n)
{
	if (strchr(cmd, '/')) {
		snprintf(out, n, "%s", cmd);
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");
		snprintf(out, n, "%.*s/%s", (int)len, len ? path : ".", cmd);
		if (access(out, X_OK) == 0)
			return 0;
		path += len + (path[len] == ':');
	}
	return -ENOENT;
}

static int read_at(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off) == (ssize_t)len ? 0 : -EIO;
}

/* Whether the section header table names a Go build section. */
static bool has_go_section(int fd, const Elf64_Ehdr *eh)
{
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shstrndx >= eh->e_shnum || eh->e_shnum > 4096)
		return false;
	Elf64_Shdr strs;
	if (read_at(fd, &strs, sizeof(strs), (off_t)(eh->e_shoff + (uint64_t)eh->e_shstrndx * sizeof(strs))) ||
	    strs.sh_size > (1u << 20))
		return false;
	char *names = malloc(strs.sh_size + 1);
	if (!names || read_at(fd, names, strs.sh_size, (off_t)strs.sh_offset)) {
		free(names);
		return false;
	}
	names[strs.sh_size] = 0;
	bool go = false;
	for (unsigned i = 0; i < eh->e_shnum && !go; i++) {
		Elf64_Shdr sh;
		if (read_at(fd, &sh, sizeof(sh), (off_t)(eh->e_shoff + (uint64_t)i * sizeof(sh))) ||
		    sh.sh_name >= strs.sh_size)
			continue;
		const char *nm = names + sh.sh_name;
		go = strcmp(nm, ".go.buildinfo") == 0 || strcmp(nm, ".note.go.buildid") == 0;
	}
	free(names);
	return go;
}

void cli_run_check(const char *cmd)
{
	char path[4096];
	if (find_program(cmd, path, sizeof(path)))
		return;                            /* execvp will say it */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	Elf64_Ehdr eh;
	if (read_at(fd, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 4096) {
		close(fd);
		return;
	}
	bool interp = false;
	for (unsigned i = 0; i < eh.e_phnum && !interp; i++) {
		Elf64_Phdr ph;
		if (read_at(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) == 0)
			interp = ph.p_type == PT_INTERP;
	}
	if (has_go_section(fd, &eh))
		fprintf(stderr, "toffee: warning: %s is a Go program: Go makes its socket system calls "
			"itself, past libc, so its connections use the kernel's TCP stack, not toffee\n", path);
	else if (!interp)
		fprintf(stderr, "toffee: warning: %s is statically linked: LD_PRELOAD cannot reach it, "
			"so its connections use the kernel's TCP stack, not toffee\n", path);
	close(fd);
}

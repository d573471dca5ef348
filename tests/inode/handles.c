/* handles.c — file handles from the command line, for tests/inode/export.sh.
 *
 *   handles save PATH FILE      name_to_handle_at(PATH) into FILE
 *   handles open DIR FILE       open_by_handle_at(the handle in FILE), with
 *                               an fd of DIR (on the same filesystem) as the
 *                               mount fd; prints what it opened: the type,
 *                               the size and content of a regular file, or
 *                               the sorted names of a directory
 *   handles same FILE1 FILE2    whether two saved handles are byte-equal
 *
 * Prints one line; errors as the errno's name ("ESTALE"), exit 0, so that a
 * native run and a run through the mount compare line by line.  Exit 2 on
 * bad usage or I/O errors of the tool itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *errname(int e)
{
    switch (e) {
    case ESTALE: return "ESTALE";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    case EOVERFLOW: return "EOVERFLOW";
    default: return strerror(e);
    }
}

static struct file_handle *load(const char *file)
{
    FILE *f = fopen(file, "rb");
    struct file_handle head;
    if (!f || fread(&head, sizeof(head), 1, f) != 1 || head.handle_bytes > MAX_HANDLE_SZ) {
        fprintf(stderr, "handles: cannot read %s\n", file);
        exit(2);
    }
    struct file_handle *h = malloc(sizeof(*h) + head.handle_bytes);
    if (!h)
        exit(2);
    *h = head;
    if (fread(h->f_handle, 1, head.handle_bytes, f) != head.handle_bytes) {
        fprintf(stderr, "handles: %s is truncated\n", file);
        exit(2);
    }
    fclose(f);
    return h;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void show_dir(int fd)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        printf("dir readdir=%s\n", errname(errno));
        return;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 256)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            names[n++] = strdup(de->d_name);
    qsort(names, n, sizeof(*names), cmp);
    printf("dir entries=");
    for (size_t i = 0; i < n; i++) {
        printf("%s%s", i ? "," : "", names[i]);
        free(names[i]);
    }
    printf("\n");
    closedir(d);
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "save")) {
        struct file_handle *h = malloc(sizeof(*h) + MAX_HANDLE_SZ);
        int mnt;
        if (!h)
            return 2;
        h->handle_bytes = MAX_HANDLE_SZ;
        if (name_to_handle_at(AT_FDCWD, argv[2], h, &mnt, 0) < 0) {
            printf("save=%s\n", errname(errno));
            free(h);
            return 0;
        }
        FILE *f = fopen(argv[3], "wb");
        if (!f || fwrite(h, sizeof(*h) + h->handle_bytes, 1, f) != 1 || fclose(f) != 0) {
            fprintf(stderr, "handles: cannot write %s\n", argv[3]);
            return 2;
        }
        free(h);
        printf("save=ok\n");
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "same")) {
        struct file_handle *a = load(argv[2]), *b = load(argv[3]);
        bool same = a->handle_type == b->handle_type && a->handle_bytes == b->handle_bytes &&
                    !memcmp(a->f_handle, b->f_handle, a->handle_bytes);
        printf("same=%s\n", same ? "yes" : "no");
        free(a);
        free(b);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "open")) {
        int mfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (mfd < 0) {
            fprintf(stderr, "handles: cannot open %s: %s\n", argv[2], strerror(errno));
            return 2;
        }
        struct file_handle *h = load(argv[3]);
        int fd = open_by_handle_at(mfd, h, O_RDONLY | O_CLOEXEC);
        free(h);
        close(mfd);
        if (fd < 0) {
            printf("open=%s\n", errname(errno));
            return 0;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
            printf("fstat=%s\n", errname(errno));
            return 0;
        }
        if (S_ISDIR(st.st_mode)) {
            show_dir(fd);
        } else if (S_ISREG(st.st_mode)) {
            char buf[128];
            ssize_t n = read(fd, buf, sizeof(buf) - 1);
            if (n < 0) {
                printf("file read=%s\n", errname(errno));
            } else {
                buf[n] = '\0';
                buf[strcspn(buf, "\n")] = '\0';
                printf("file size=%lld nlink=%lu content=%s\n", (long long)st.st_size,
                       (unsigned long)st.st_nlink, buf);
            }
        } else {
            printf("type=%o\n", (unsigned)(st.st_mode & S_IFMT));
        }
        return 0;
    }
    fprintf(stderr, "usage: handles save PATH FILE | open DIR FILE | same FILE1 FILE2\n");
    return 2;
}

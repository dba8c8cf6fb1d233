/**
 * A small SFTP version 3 client (draft-ietf-secsh-filexfer-02) over any byte stream, for the
 * operations Uplink uses: Incus serves SFTP on {@code GET /1.0/instances/NAME/sftp} after an HTTP
 * upgrade, with no SSH layer, and the maintained Java SFTP clients (Apache MINA sshd-sftp, JSch,
 * sshj) all bind to an SSH session.
 */
package dev.uplink.processor.incus.sftp;

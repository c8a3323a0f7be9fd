/**
 * qcow2 v2/v3 (QEMU docs/interop/qcow2.txt): {@link org.virtfx.engine.storage.qcow2.Qcow2Format} is the entry point;
 * the image keeps L1 in memory, caches L2 tables and refcount blocks, and writes metadata through in an order that
 * leaves at worst leaked clusters after a crash (refcount, barrier, data, L2, L1, then release of old clusters).
 */
package org.virtfx.engine.storage.qcow2;

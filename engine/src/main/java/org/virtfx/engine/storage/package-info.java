/**
 * Virtual disks. {@link org.virtfx.engine.storage.BlockDevice} is what devices use;
 * {@link org.virtfx.engine.storage.DiskImages} opens any registered format (probing, backing chains with loop
 * detection) and creates images; {@link org.virtfx.engine.storage.ImageFormat} and
 * {@link org.virtfx.engine.storage.DiskImage} are the format SPI (info, map, check, snapshots, resize, compressed
 * writes). Raw images live here; qcow2 in {@code storage.qcow2}; VDI, VMDK, VHD and VHDX in their own packages,
 * registered through {@code META-INF/services/org.virtfx.engine.storage.ImageFormat}.
 */
package org.virtfx.engine.storage;

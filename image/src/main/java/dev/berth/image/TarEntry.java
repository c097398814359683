package dev.berth.image;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One tar header, after PAX and GNU long-name records were applied. Extended attribute values
 * are bytes, exactly as stored ({@code security.capability} is binary).
 */
public final class TarEntry {
    public static final char FILE = '0';
    public static final char HARDLINK = '1';
    public static final char SYMLINK = '2';
    public static final char CHAR = '3';
    public static final char BLOCK = '4';
    public static final char DIR = '5';
    public static final char FIFO = '6';

    public String name;
    public String linkName = "";
    public char type = FILE;
    public int mode = 0644;
    public long uid;
    public long gid;
    public long size;
    public long mtimeSeconds;
    public int mtimeNanos;
    public int devMajor;
    public int devMinor;
    public final Map<String, byte[]> xattrs = new LinkedHashMap<>();

    public TarEntry(String name, char type) {
        this.name = name;
        this.type = type;
    }

    public boolean isDirectory() {
        return type == DIR;
    }

    @Override
    public String toString() {
        return type + " " + name + (linkName.isEmpty() ? "" : " -> " + linkName);
    }
}

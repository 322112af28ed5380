/** Test helper: writes BinXML by hand (names inline), so every token type can be exercised. */
export class BinXmlWriter {
  bytes: number[] = [];
  get pos(): number {
    return this.bytes.length;
  }
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  chars(s: string): this {
    for (let i = 0; i < s.length; i++) this.u16(s.charCodeAt(i));
    return this;
  }
  /** A name reference followed by the name itself (inline). */
  name(s: string): this {
    return this.u32(this.pos + 4).nameEntry(s);
  }
  /** A name as the chunk stores it (link to the next name, hash, length, characters, NUL), for references to it. */
  nameEntry(s: string): this {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (h * 65599 + s.charCodeAt(i)) & 0xffff;
    return this.u32(0).u16(h).u16(s.length).chars(s).u16(0);
  }
  /** A name reference to a name written earlier at `off`. */
  nameRef(off: number): this {
    return this.u32(off);
  }
  fragmentHeader(): this {
    return this.u8(0x0f).u8(1).u8(1).u8(0);
  }
  open(name: string, opts: { attrs?: boolean; dep?: boolean } = {}): this {
    this.u8(opts.attrs ? 0x41 : 0x01);
    if (opts.dep) this.u16(0xffff);
    this.u32(0);
    this.name(name);
    if (opts.attrs) this.u32(0);
    return this;
  }
  attr(name: string, more = false): this {
    return this.u8(more ? 0x46 : 0x06).name(name);
  }
  text(s: string): this {
    return this.u8(0x05).u8(0x01).u16(s.length).chars(s);
  }
  closeStart(): this {
    return this.u8(0x02);
  }
  closeEmpty(): this {
    return this.u8(0x03);
  }
  end(): this {
    return this.u8(0x04);
  }
  eof(): this {
    return this.u8(0x00);
  }
  subst(index: number, type: number, optional = false): this {
    return this.u8(optional ? 0x0e : 0x0d).u16(index).u8(type);
  }
  /**
   * A template instance whose definition follows inline (template id `id`): `definition` writes
   * the definition's BinXML, whose size is then filled in. Returns the definition's offset, for
   * more instances of it; the caller writes the value count and values next.
   */
  inlineTemplate(id: number, definition: () => void): number {
    this.u8(0x0c).u8(1).u32(id);
    const def = this.pos + 4;
    this.u32(def);
    const sizeAt = def + 20;
    this.u32(0).u32(id).u32(0).u32(0).u32(0).u32(0); // next, GUID, size (filled in below)
    const dataStart = this.pos;
    definition();
    const size = this.pos - dataStart;
    for (let i = 0; i < 4; i++) this.bytes[sizeAt + i] = (size >>> (8 * i)) & 0xff;
    return def;
  }
  build(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

#!/usr/bin/env python3
"""A second implementation of the draw of src/core/draw.h, written from its description and
nothing else, so that anyone can check a published draw without our code: ChaCha20 (the
original, 64-bit nonce of zeros, block counter from 0) keyed by the seed, read 4 bytes at a time
little-endian; uniform values below n by rejection of the values under 2^32 mod n; in each
stratum in turn a partial Fisher-Yates shuffle of its members in code order for its quota
(ratio times size, rounded up). Step 1 (targets) only.

Usage: draw-reference.py SEED_HEX RATIO,RATIO,... < population
       population: one "code stratum" line per member, in code order (stratum -1: left out)
Prints the drawn codes, in code order."""
import struct
import sys

def rotl(v,c): return ((v<<c)&0xffffffff)|(v>>(32-c))
def qr(x,a,b,c,d):
    x[a]=(x[a]+x[b])&0xffffffff; x[d]=rotl(x[d]^x[a],16)
    x[c]=(x[c]+x[d])&0xffffffff; x[b]=rotl(x[b]^x[c],12)
    x[a]=(x[a]+x[b])&0xffffffff; x[d]=rotl(x[d]^x[a],8)
    x[c]=(x[c]+x[d])&0xffffffff; x[b]=rotl(x[b]^x[c],7)
def block(key,counter):
    s=[0x61707865,0x3320646e,0x79622d32,0x6b206574]+list(struct.unpack('<8I',key))+[counter&0xffffffff,counter>>32,0,0]
    x=s[:]
    for _ in range(10):
        qr(x,0,4,8,12);qr(x,1,5,9,13);qr(x,2,6,10,14);qr(x,3,7,11,15)
        qr(x,0,5,10,15);qr(x,1,6,11,12);qr(x,2,7,8,13);qr(x,3,4,9,14)
    return struct.pack('<16I',*[(a+b)&0xffffffff for a,b in zip(x,s)])
class Stream:
    def __init__(s,key): s.key=key; s.buf=b''; s.ctr=0
    def u32(s):
        while len(s.buf)<4: s.buf+=block(s.key,s.ctr); s.ctr+=1
        v=struct.unpack('<I',s.buf[:4])[0]; s.buf=s.buf[4:]; return v
    def below(s,n):
        t=(2**32-n)%n
        while True:
            x=s.u32()
            if x>=t: return x%n
def quota(n,r):
    if r<=0 or n==0: return 0
    if r>=1: return n
    x=n*r; k=int(x)
    if k < x-1e-9: k+=1
    return max(1,min(n,k))
def draw(strata,ratios,seed):
    st=Stream(seed); drawn=set()
    for s in range(len(ratios)):
        m=[i for i,v in enumerate(strata) if v==s]; k=quota(len(m),ratios[s])
        for i in range(k):
            j=i+st.below(len(m)-i); m[i],m[j]=m[j],m[i]; drawn.add(m[i])
    return sorted(drawn)


def main():
    seed = bytes.fromhex(sys.argv[1])
    ratios = [float(r) for r in sys.argv[2].split(",")]
    codes, strata = [], []
    for line in sys.stdin:
        if line.strip():
            code, stratum = line.split()
            codes.append(code)
            strata.append(int(stratum))
    for i in draw(strata, ratios, seed):
        print(codes[i])


if __name__ == "__main__":
    main()

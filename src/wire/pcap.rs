//! Classic pcap export: the libpcap file format (magic 0xa1b2c3d4,
//! version 2.4, microsecond timestamps, snaplen 65535, link type 1
//! Ethernet) that Wireshark and tcpdump open. Timestamps are simulated time
//! since the scenario started, and the byte order is fixed (little-endian,
//! as tcpdump writes on x86), so the same run exports the same bytes
//! natively and in the browser.

use super::Frame;
use crate::time::Instant;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};
use std::io::{self, Write};
use std::time::Duration;

/// Longest frame kept whole; longer ones are cut, as a capture would.
const SNAPLEN: u32 = 65535;

/// Writes `frames`, each stamped with the simulated time it was seen, as a
/// pcap file. Fails only if `w` does, or if a timestamp is 2^32 seconds
/// (136 years) or more after the start, which the format cannot hold.
pub fn write<W: Write>(w: W, frames: impl IntoIterator<Item = (Instant, Frame)>) -> io::Result<()> {
    let mut writer = PcapWriter::with_header(w, file_header()).map_err(into_io)?;
    for (at, frame) in frames {
        let captured = &frame.bytes()[..frame.len().min(SNAPLEN as usize)];
        let original_len = u32::try_from(frame.len()).unwrap_or(u32::MAX);
        let packet = PcapPacket::new(Duration::from_nanos(at.as_nanos()), original_len, captured);
        writer.write_packet(&packet).map_err(into_io)?;
    }
    Ok(())
}

/// The pcap file as bytes, for the browser to offer as a download.
///
/// # Panics
/// If a timestamp is 2^32 seconds or more after the start (see [`write()`]).
pub fn to_bytes(frames: impl IntoIterator<Item = (Instant, Frame)>) -> Vec<u8> {
    let mut bytes = Vec::new();
    write(&mut bytes, frames).expect("a pcap timestamp fits in 32-bit seconds");
    bytes
}

fn file_header() -> PcapHeader {
    PcapHeader {
        version_major: 2,
        version_minor: 4,
        ts_correction: 0,
        ts_accuracy: 0,
        snaplen: SNAPLEN,
        datalink: DataLink::ETHERNET,
        ts_resolution: TsResolution::MicroSecond,
        endianness: Endianness::Little,
    }
}

fn into_io(error: PcapError) -> io::Error {
    match error {
        PcapError::IoError(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidInput, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testdata;
    use pcap_file::pcap::PcapReader;
    use std::process::Command;

    fn frame(bytes: &[u8]) -> Frame {
        Frame::from_vec(bytes.to_vec())
    }

    /// A small capture: ARP, a TCP handshake start, HTTP, UDP and ICMP.
    fn capture() -> Vec<(Instant, Frame)> {
        [
            (1_000_000_000, &testdata::ARP_REQUEST[..]),
            (1_000_250_999, &testdata::ARP_REPLY),
            (1_100_000_000, &testdata::GARP_REPLY_SELF),
            (2_000_000_000, &testdata::TCP_SYN),
            (2_000_400_000, &testdata::ICMP_PORT_UNREACHABLE_TCP),
            (3_000_000_000, &testdata::HTTP_GET),
            (3_000_900_000, &testdata::HTTP_200),
            (4_000_000_000, &testdata::UDP_DNS),
            (5_000_000_000, &testdata::ICMP_ECHO_REQUEST),
            (5_000_000_001, &testdata::ICMP_ECHO_REPLY),
        ]
        .into_iter()
        .map(|(ns, bytes)| (Instant::from_nanos(ns), frame(bytes)))
        .collect()
    }

    #[test]
    fn file_header_is_classic_pcap_little_endian() {
        // The libpcap file header, field by field (pcap-savefile(5)).
        let expected = [
            0xd4, 0xc3, 0xb2, 0xa1, // magic 0xa1b2c3d4: microsecond timestamps
            0x02, 0x00, 0x04, 0x00, // version 2.4
            0x00, 0x00, 0x00, 0x00, // thiszone
            0x00, 0x00, 0x00, 0x00, // sigfigs
            0xff, 0xff, 0x00, 0x00, // snaplen 65535
            0x01, 0x00, 0x00, 0x00, // LINKTYPE_ETHERNET
        ];
        assert_eq!(to_bytes([]), expected);
    }

    #[test]
    fn record_header_holds_simulated_seconds_and_microseconds() {
        let bytes = to_bytes([(Instant::from_nanos(1_234_567_891), frame(&testdata::ARP_REQUEST))]);
        let record = [
            0x01, 0x00, 0x00, 0x00, // ts_sec 1
            0x47, 0x94, 0x03, 0x00, // ts_usec 234567 (nanoseconds truncated)
            0x2a, 0x00, 0x00, 0x00, // incl_len 42
            0x2a, 0x00, 0x00, 0x00, // orig_len 42
        ];
        assert_eq!(&bytes[24..40], record);
        assert_eq!(&bytes[40..], testdata::ARP_REQUEST);
    }

    #[test]
    fn reads_back_with_pcap_file_frame_for_frame() {
        let frames = capture();
        let bytes = to_bytes(frames.clone());
        let mut reader = PcapReader::new(&bytes[..]).unwrap();
        let header = reader.header();
        assert_eq!((header.version_major, header.version_minor, header.snaplen), (2, 4, 65535));
        assert_eq!((header.datalink, header.ts_resolution), (DataLink::ETHERNET, TsResolution::MicroSecond));
        for (at, frame) in &frames {
            let packet = reader.next_packet().unwrap().unwrap();
            let micros = at.as_nanos() / 1_000;
            assert_eq!(packet.timestamp, Duration::from_micros(micros));
            assert_eq!(packet.orig_len as usize, frame.len());
            assert_eq!(&packet.data[..], frame.bytes());
        }
        assert!(reader.next_packet().is_none());
    }

    #[test]
    fn frames_beyond_the_snaplen_are_cut_like_a_capture() {
        let jumbo = Frame::from_vec(vec![0xab; 70_000]);
        let bytes = to_bytes([(Instant::ZERO, jumbo)]);
        let lengths = [
            0xff, 0xff, 0x00, 0x00, // incl_len 65535
            0x70, 0x11, 0x01, 0x00, // orig_len 70000
        ];
        assert_eq!(&bytes[32..40], lengths);
        assert_eq!(bytes.len(), 24 + 16 + 65535);
    }

    #[test]
    fn timestamps_past_32_bit_seconds_are_an_error() {
        let too_late = Instant::from_secs(1 << 32);
        let error = write(io::sink(), [(too_late, frame(&testdata::ARP_REQUEST))]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }

    /// Reads the export with the real tcpdump when it is installed (it is
    /// not a build dependency); otherwise says so and passes.
    #[test]
    fn tcpdump_reads_the_export() {
        if Command::new("tcpdump").arg("--version").output().is_err() {
            eprintln!("note: tcpdump is not installed; skipping the tcpdump check of the pcap export");
            return;
        }
        let path = std::env::temp_dir().join(format!("vipsim-pcap-test-{}.pcap", std::process::id()));
        std::fs::write(&path, to_bytes(capture())).unwrap();
        let tcpdump = |flags: &[&str]| {
            let out = Command::new("tcpdump").args(flags).arg("-r").arg(&path).output().unwrap();
            assert!(out.status.success(), "tcpdump failed: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        };
        // -tt: seconds since the epoch (here: since the scenario started);
        // -nn: no name lookups; -S: absolute sequence numbers.
        let brief = tcpdump(&["-tt", "-nn", "-S"]);
        let verbose = tcpdump(&["-nn", "-v"]);
        std::fs::remove_file(&path).unwrap();
        let expected = [
            "1.000000 ARP, Request who-has 10.0.1.200 tell 10.0.1.1, length 28",
            "1.000250 ARP, Reply 10.0.1.200 is-at 02:00:0a:00:01:14, length 28",
            "1.100000 ARP, Reply 10.0.1.200 is-at 02:00:0a:00:01:14, length 28",
            "2.000000 IP 10.0.1.1.51234 > 10.0.1.200.80: Flags [S], seq 1000000, win 64240, options [mss 1460], length 0",
            "2.000400 IP 10.0.1.200 > 10.0.1.1: ICMP 10.0.1.200 tcp port 80 unreachable, length 52",
            "3.000000 IP 10.0.1.1.51234 > 10.0.1.21.31888: Flags [P.], seq 1000001:1000050, ack 3000000001, win 502, length 49",
            "3.000900 IP 10.0.1.21.31888 > 10.0.1.1.51234: Flags [P.], seq 3000000001:3000000096, ack 1000040, win 509, length 95",
            "4.000000 IP 10.0.1.1.40000 > 10.0.1.200.53: domain [length 5 < 12] (invalid)",
            "5.000000 IP 10.0.1.1 > 10.0.1.200: ICMP echo request, id 4660, seq 1, length 16",
            "5.000000 IP 10.0.1.200 > 10.0.1.1: ICMP echo reply, id 4660, seq 1, length 16",
        ];
        assert_eq!(brief.lines().collect::<Vec<_>>(), expected);
        // With -v tcpdump checks every IPv4 header checksum (it would print
        // "bad cksum") and each TCP one: the SYN, its quote in the ICMP
        // error, the request and the response.
        assert_eq!(verbose.matches("cksum 0x").count(), 4, "{verbose}");
        assert_eq!(verbose.matches("(correct)").count(), 4, "{verbose}");
        assert!(!verbose.contains("incorrect") && !verbose.contains("bad cksum"), "{verbose}");
    }
}

#include "orchestrator/kernel_counters.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace hotdeploy::orchestrator {
namespace {

// Captured from this machine (kernel 6.18) with `cat /proc/net/netstat` and `cat /proc/net/snmp`.
constexpr std::string_view kNetstat =
    R"(TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled RcvPruned OfoPruned OutOfWindowIcmps LockDroppedIcmps ArpFilter TW TWRecycled TWKilled PAWSActive PAWSEstab BeyondWindow TSEcrRejected PAWSOldAck PAWSTimewait DelayedACKs DelayedACKLocked DelayedACKLost ListenOverflows ListenDrops TCPHPHits TCPPureAcks TCPHPAcks TCPRenoRecovery TCPSackRecovery TCPSACKReneging TCPSACKReorder TCPRenoReorder TCPTSReorder TCPFullUndo TCPPartialUndo TCPDSACKUndo TCPLossUndo TCPLostRetransmit TCPRenoFailures TCPSackFailures TCPLossFailures TCPFastRetrans TCPSlowStartRetrans TCPTimeouts TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail TCPSackRecoveryFail TCPRcvCollapsed TCPBacklogCoalesce TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout TCPAbortOnLinger TCPAbortFailed TCPMemoryPressures TCPMemoryPressuresChrono TCPSACKDiscard TCPDSACKIgnoredOld TCPDSACKIgnoredNoUndo TCPSpuriousRTOs TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPSackShifted TCPSackMerged TCPSackShiftFallback TCPBacklogDrop PFMemallocDrop TCPMinTTLDrop TCPDeferAcceptDrop IPReversePathFilter TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPRetransFail TCPRcvCoalesce TCPOFOQueue TCPOFODrop TCPOFOMerge TCPChallengeACK TCPSYNChallenge TCPFastOpenActive TCPFastOpenActiveFail TCPFastOpenPassive TCPFastOpenPassiveFail TCPFastOpenListenOverflow TCPFastOpenCookieReqd TCPFastOpenBlackhole TCPSpuriousRtxHostQueues BusyPollRxPackets TCPAutoCorking TCPFromZeroWindowAdv TCPToZeroWindowAdv TCPWantZeroWindowAdv TCPSynRetrans TCPOrigDataSent TCPHystartTrainDetect TCPHystartTrainCwnd TCPHystartDelayDetect TCPHystartDelayCwnd TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq TCPACKSkippedFinWait2 TCPACKSkippedTimeWait TCPACKSkippedChallenge TCPWinProbe TCPKeepAlive TCPMTUPFail TCPMTUPSuccess TCPDelivered TCPDeliveredCE TCPAckCompressed TCPZeroWindowDrop TCPRcvQDrop TCPWqueueTooBig TCPFastOpenPassiveAltKey TcpTimeoutRehash TcpDuplicateDataRehash TCPDSACKRecvSegs TCPDSACKIgnoredDubious TCPMigrateReqSuccess TCPMigrateReqFailure TCPPLBRehash TCPAORequired TCPAOBad TCPAOKeyNotFound TCPAOGood TCPAODroppedIcmps
TcpExt: 0 0 0 0 0 0 0 0 0 0 413724 3678 0 0 0 0 0 0 2 34123 26 106292 1474 1474 94597607 1545130 97233974 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 155 106308 3 0 0 0 482 106292 0 106290 0 13179 60255 0 0 0 0 0 0 0 0 104503 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 234654 0 0 0 0 0 0 0 0 0 0 0 0 2 0 0 17 17 15 153 124693295 0 0 0 0 0 0 0 0 0 0 0 0 0 0 125256128 0 0 0 0 0 0 155 0 106290 0 0 0 0 0 0 0 0 0
IpExt: InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts InOctets OutOctets InMcastOctets OutMcastOctets InBcastOctets OutBcastOctets InCsumErrors InNoECTPkts InECT1Pkts InECT0Pkts InCEPkts ReasmOverlaps
IpExt: 0 0 0 0 0 0 19084507189 19064617334 0 0 0 0 0 154009576 0 0 0 0
MPTcpExt: MPCapableSYNRX MPCapableSYNTX MPCapableSYNACKRX MPCapableACKRX MPCapableFallbackACK MPCapableFallbackSYNACK MPCapableSYNTXDrop MPCapableSYNTXDisabled MPCapableEndpAttempt MPFallbackTokenInit MPTCPRetrans MPJoinNoTokenFound MPJoinSynRx MPJoinSynBackupRx MPJoinSynAckRx MPJoinSynAckBackupRx MPJoinSynAckHMacFailure MPJoinAckRx MPJoinAckHMacFailure MPJoinRejected MPJoinSynTx MPJoinSynTxCreatSkErr MPJoinSynTxBindErr MPJoinSynTxConnectErr DSSNotMatching DSSCorruptionFallback DSSCorruptionReset InfiniteMapTx InfiniteMapRx DSSNoMatchTCP DataCsumErr OFOQueueTail OFOQueue OFOMerge NoDSSInWindow DuplicateData AddAddr AddAddrTx AddAddrTxDrop EchoAdd EchoAddTx EchoAddTxDrop PortAdd AddAddrDrop MPJoinPortSynRx MPJoinPortSynAckRx MPJoinPortAckRx MismatchPortSynRx MismatchPortAckRx RmAddr RmAddrDrop RmAddrTx RmAddrTxDrop RmSubflow MPPrioTx MPPrioRx MPFailTx MPFailRx MPFastcloseTx MPFastcloseRx MPRstTx MPRstRx SubflowStale SubflowRecover SndWndShared RcvWndShared RcvWndConflictUpdate RcvWndConflict MPCurrEstab Blackhole MPCapableDataFallback MD5SigFallback DssFallback SimultConnectFallback FallbackFailed WinProbe
MPTcpExt: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
)";
constexpr std::string_view kSnmp =
    R"(Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates OutTransmits
Ip: 2 64 154009576 0 0 0 0 0 154009576 154009352 0 0 0 0 0 0 0 0 0 154009352
Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs InRedirects InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost OutDestUnreachs OutTimeExcds OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps OutAddrMasks OutAddrMaskReps
Icmp: 1 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
IcmpMsg: InType3
IcmpMsg: 1
Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors
Tcp: 1 200 120000 -1 570973 488112 81528 146843 0 154009549 153902865 106461 0 168068 0
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
Udp: 26 0 0 27 0 0 0 0 0
UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
UdpLite: 0 0 0 0 0 0 0 0 0
)";

std::string error_of(std::string_view text) {
  try {
    (void)parse_proc_net_counters(text, "/proc/net/netstat");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(KernelCounters, ReadsEveryPrefixOfCapturedNetstat) {
  const auto counters = parse_proc_net_counters(kNetstat, "/proc/net/netstat");
  ASSERT_TRUE(counters.contains("TcpExtListenOverflows"));
  ASSERT_TRUE(counters.contains("TcpExtTCPMigrateReqSuccess"));
  ASSERT_TRUE(counters.contains("IpExtInOctets"));
  EXPECT_EQ(counters.at("TcpExtSyncookiesSent"), 0);
  EXPECT_EQ(counters.at("TcpExtListenOverflows"), 1474);
}

TEST(KernelCounters, ReadsCapturedSnmpIncludingNegativeValues) {
  const auto counters = parse_proc_net_counters(kSnmp, "/proc/net/snmp");
  EXPECT_EQ(counters.at("TcpMaxConn"), -1);
  EXPECT_EQ(counters.at("TcpOutRsts"), 168068);
  EXPECT_EQ(counters.at("TcpActiveOpens"), 570973);
  EXPECT_TRUE(counters.contains("UdpInDatagrams"));
}

TEST(KernelCounters, EveryKeptCounterIsInTheCapturedFiles) {
  auto all = parse_proc_net_counters(kNetstat, "/proc/net/netstat");
  all.merge(parse_proc_net_counters(kSnmp, "/proc/net/snmp"));
  for (const auto name : kept_kernel_counters()) EXPECT_TRUE(all.contains(std::string(name))) << name;
}

TEST(KernelCounters, ReadsThisProcesssNamespace) {
  const auto counters = read_kernel_counters();
  EXPECT_TRUE(counters.contains("TcpOutRsts"));
  EXPECT_TRUE(counters.contains("TcpExtListenOverflows"));
  EXPECT_FALSE(counters.contains("TcpMaxConn"));  // not kept
}

TEST(KernelCounters, MalformedTextNamesTheFileAndLine) {
  EXPECT_EQ(error_of("TcpExt: A B\nTcpExt: 1\n"), "/proc/net/netstat line 2: TcpExt: 2 names but 1 values");
  EXPECT_EQ(error_of("TcpExt: A B\nIpExt: 1 2\n"),
            "/proc/net/netstat line 2: expected the values of TcpExt: on the line after its names");
  EXPECT_EQ(error_of("TcpExt: A\nTcpExt: x\n"),
            "/proc/net/netstat line 2: TcpExtA has a value that is not an integer: \"x\"");
  EXPECT_EQ(error_of("TcpExt: A\nTcpExt: 99999999999999999999\n"),
            "/proc/net/netstat line 2: TcpExtA has a value that is not an integer: \"99999999999999999999\"");
  EXPECT_EQ(error_of("TcpExt: A\n"), "/proc/net/netstat line 1: TcpExt: names with no line of values after them");
  EXPECT_EQ(error_of("A B\nA 1\n"), "/proc/net/netstat line 1: \"A\" is not a prefix such as \"TcpExt:\"");
  EXPECT_EQ(error_of("TcpExt: A A\nTcpExt: 1 2\n"), "/proc/net/netstat line 1: TcpExtA appears twice");
  EXPECT_EQ(error_of("TcpExt: A\nTcpExt: 1\n\nTcpExt: B\n"),
            "/proc/net/netstat line 3: an empty line where a line of counter names should be");
}

TEST(KernelCounters, EmptyTextHasNoCounters) { EXPECT_TRUE(parse_proc_net_counters("", "/proc/net/snmp").empty()); }

}  // namespace
}  // namespace hotdeploy::orchestrator

//! The catalogue: each message in English, then Korean. Slots `{0}`, `{1}`…
//! are filled by [`super::Lang::f`]; both languages use the same slots.

use super::Lang;

catalogue! {
    // The shell.
    Tagline => "Watch a Kubernetes LoadBalancer VIP move across a LAN, frame by frame.",
        "쿠버네티스 LoadBalancer VIP가 LAN 위에서 옮겨 가는 과정을 프레임 단위로 지켜보세요.";
    ToolbarLabel => "Playground", "플레이그라운드";
    PlaygroundLink => "Playground", "플레이그라운드";
    WorkshopLink => "Workshop", "워크숍";
    Computing => "Computing the scenario…", "시나리오를 계산하는 중…";
    ComputingVariant => "Computing the variant…", "변형을 계산하는 중…";
    ComputingBranch => "Computing the branch…", "브랜치를 계산하는 중…";
    ComputingProgress => "{0} of {1} simulated, {2} events", "모의 시간 {1} 중 {0}, 이벤트 {2}개";
    StopComputing => "Stop here", "여기서 멈추기";
    StopComputingHint => "End the run where computing has got: everything computed so far stays, to watch and to branch from.",
        "계산이 도달한 곳에서 실행을 끝냅니다. 지금까지 계산한 것은 모두 남아 재생하고 브랜치를 만들 수 있습니다.";
    FooterKeysBefore => "Press ", "단축키 목록: ";
    FooterKeysAfter => " for keyboard shortcuts.", " 키를 누르세요.";
    Language => "Language", "언어";
    OpenInPlayground => "Open in the vipsim playground ↗", "vipsim 플레이그라운드에서 열기 ↗";

    // Panels.
    PanelsMenu => "Panels", "패널";
    PanelLesson => "Lesson", "레슨";
    PanelTasks => "Tasks", "과제";
    PanelTimeline => "Timeline", "타임라인";
    PanelNetwork => "Network", "네트워크";
    PanelCharts => "Charts", "차트";
    PanelEvents => "Events", "이벤트";
    PanelInspector => "Inspector", "인스펙터";
    PanelConsole => "Console", "콘솔";
    PanelBranches => "What if?", "만약에?";
    PanelCompare => "Compare", "비교";
    PanelEditor => "Scenario YAML", "시나리오 YAML";

    // Opening scenarios and links.
    PickerLabel => "Scenarios", "시나리오";
    Scenario => "Scenario", "시나리오";
    Stories => "Stories", "이야기";
    WorkshopExercises => "Workshop exercises", "워크숍 실습";
    LoadedScenario => "{0} (loaded)", "{0} (불러옴)";
    Variant => "Variant", "변형";
    OriginalTimeline => "original timeline", "원래 타임라인";
    EditYaml => "Edit YAML", "YAML 편집";
    OpenYamlFile => "Open YAML file…", "YAML 파일 열기…";
    PasteYaml => "Paste YAML", "YAML 붙여넣기";
    ScenarioYaml => "Scenario YAML", "시나리오 YAML";
    LoadPasted => "Load pasted scenario", "붙여넣은 시나리오 불러오기";
    FileUnreadable => "{0}: could not read the file: {1}", "{0}: 파일을 읽을 수 없습니다: {1}";
    LoadProblemTitle => "This scenario could not be opened", "이 시나리오를 열 수 없습니다";
    DidYouMean => " (did you mean `{0}`?)", " (`{0}`을(를) 뜻했나요?)";
    Dismiss => "Dismiss", "닫기";
    LinkProblemTitle => "This link could not be opened", "이 링크를 열 수 없습니다";
    LinkProblemFallback => "The failover story is shown instead.", "대신 페일오버 이야기를 보여 줍니다.";
    LinkUnknownScenario => "this link names a scenario this vipsim does not have: {0}",
        "이 링크는 이 vipsim에 없는 시나리오를 가리킵니다: {0}";

    // Sharing.
    Share => "Share", "공유";
    LinkToThis => "Link to this moment", "지금 이 순간으로 가는 링크";
    CopyLink => "Copy link", "링크 복사";
    EmbedCode => "Embed code (iframe)", "임베드 코드 (iframe)";
    CopyEmbed => "Copy embed code", "임베드 코드 복사";
    EmbedHint => "Paste it into a blog post: the player sizes itself to its content.",
        "블로그 글에 붙여 넣으세요. 플레이어가 내용에 맞게 높이를 맞춥니다.";
    LinkCopied => "Link copied.", "링크를 복사했습니다.";
    EmbedCopied => "Embed code copied.", "임베드 코드를 복사했습니다.";
    CopyFailed => "The browser refused the clipboard: select the text above and copy it.",
        "브라우저가 클립보드 접근을 거부했습니다. 위의 글을 선택해 복사하세요.";

    // The lesson.
    Nobody => "nobody", "아무도 없음";
    AnnouncedBy => " ({0}): announced by ", " ({0}): 알리는 노드 ";
    ElectionOrder => "MetalLB's order, sha256(node#ip) ascending: {0}. The first node that is alive (and, for Local, has a ready pod) leads.",
        "MetalLB의 순서, sha256(node#ip) 오름차순: {0}. 살아 있는 (Local이면 준비된 파드도 있는) 첫 노드가 리더가 됩니다.";
    NoteAt => "Note at {0}", "{0}의 메모";
    FaultAt => "Fault at {0}", "{0}의 장애";
    ChangeAt => "Change at {0}", "{0}의 변경";
    NoteBeforeYourChange => "Written for the scenario's own run: your change at {0} ({1}) may have made it untrue here.",
        "시나리오 원래 실행을 위해 쓴 메모입니다: {0}에 한 변경({1}) 때문에 여기서는 맞지 않을 수 있습니다.";
    FaultAlreadyOff => "host is already powered off", "호스트가 이미 꺼져 있음";
    FaultAlreadyOn => "host is already on", "호스트가 이미 켜져 있음";
    FaultBackOnLanStillOff => "host back on the LAN (still powered off)", "호스트가 LAN에 다시 연결됨 (전원은 여전히 꺼짐)";
    FaultPoweredOff => "host powered off: NIC lost carrier, RAM (caches, connections) gone",
        "호스트 전원 꺼짐: NIC 링크가 끊기고 RAM(캐시, 연결)이 사라짐";
    FaultCutFromLan => "host cut from the LAN", "호스트가 LAN에서 끊김";
    FaultPoweredOn => "host powered on (booting)", "호스트 전원 켜짐 (부팅 중)";
    FaultBackOnLan => "host back on the LAN", "호스트가 LAN에 다시 연결됨";
    FaultSpeakerStarted => "speaker started", "speaker 시작됨";
    FaultSpeakerStopped => "speaker stopped (memberlist leave)", "speaker 중지됨 (memberlist leave)";
    FaultAgentStarted => "cilium agent started", "cilium agent 시작됨";
    FaultAgentStopped => "cilium agent stopped cleanly (its L2 leases released)",
        "cilium agent 정상 종료됨 (L2 lease 반납)";
    NodePoweredOff => "{0} (powered off)", "{0} (전원 꺼짐)";
    LeaseHolder => "holder of the Lease {0}", "Lease {0}의 보유자";
    LeaseUnheld => "the Lease {0} has no current holder", "Lease {0}: 현재 보유자 없음";
    AdvertisedOverBgpBy => " ({0}): advertised over BGP by ", " ({0}): BGP로 알리는 노드 ";
    RouteVia => "{0} routes it via {1} (ECMP)", "{0}의 경로: {1} 경유 (ECMP)";
    RouteViaOne => "{0} routes it via {1}", "{0}의 경로: {1} 경유";
    ArpAnsweredEverywhere => "IPVS without strictARP: every node with the VIP on kube-ipvs0 answers ARP for it too: {0}",
        "strictARP 없는 IPVS: kube-ipvs0에 VIP가 있는 모든 노드가 ARP에 응답합니다: {0}";
    NotAnnounced => "nobody: this cluster announces no VIP", "아무도 없음: 이 클러스터는 VIP를 알리지 않습니다";
    LeaderHidden => "the VIP's leader changed (who: find it yourself)", "VIP의 리더가 바뀜 (누구인지는 직접 찾아보세요)";
    GarpHidden => "gratuitous ARP (from whom: find it yourself)", "gratuitous ARP (누가 보냈는지는 직접 찾아보세요)";
    DropsHidden => "drops start at a node (which: find it yourself): {0}", "노드에서 드롭 시작 (어느 노드인지는 직접 찾아보세요): {0}";
    RecordHidden => "(hidden until you have found who answers)", "(누가 응답하는지 찾을 때까지 숨김)";
    EventsHidden => "Hidden until you have found who answers for the VIP yourself (the first task): the list names it.",
        "VIP에 누가 응답하는지 직접 찾을 때까지 숨겨 둡니다 (첫 과제): 목록에 답이 나옵니다.";
    PathHidden => "Hidden until you have found who answers for the VIP yourself (the first task).",
        "VIP에 누가 응답하는지 직접 찾을 때까지 숨겨 둡니다 (첫 과제).";
    NothingComingUp => "No timer is running that would change who answers for a VIP.", "VIP에 응답하는 노드를 바꿀 타이머가 돌고 있지 않습니다.";
    NoBeatYet => "The first note comes at {0}: press Play, or step forward.", "첫 메모는 {0}에 나옵니다: 재생하거나 한 단계씩 앞으로 가 보세요.";
    ZoomNetwork => "Zoom the network", "네트워크 확대/축소";
    ZoomIn => "Zoom in", "확대";
    ZoomOut => "Zoom out", "축소";
    ZoomFit => "Fit", "맞추기";
    PinchHint => "or pinch and drag", "또는 손가락으로 확대하고 끌기";
    MoreDrops => "and {0} more (✕ on the hosts)", "그리고 {0}개 더 (호스트의 ✕)";
    StorySoFar => "{0} more as the story goes on.", "이야기가 진행되면 {0}개가 더 나옵니다.";
    StoryAllTold => "The whole story so far.", "지금까지의 이야기 전부입니다.";
    WholeStory => "Show the whole story", "이야기 전체 보기";
    StoryAsItGoes => "Reveal it as it happens", "일어나는 대로 보기";
    Concealed => "Hidden until you have found it yourself (the first task).", "직접 찾을 때까지 숨겨 둡니다 (첫 과제).";
    MacHidden => "MAC hidden", "MAC 숨김";
    HiddenHost => "a host you have not found yet", "아직 찾지 못한 호스트";
    WhoAnswers => "Who answers for the VIP now", "지금 VIP에 응답하는 노드";

    // Workshop tasks.
    TasksOfExercise => "Tasks: exercise {0}", "과제: 실습 {0}";
    AllExercises => "All exercises", "모든 실습";
    TasksHint => "Checked live at the cursor of the run on screen. Act at the cursor (a fault, the console, a manifest): each change is a new branch.",
        "화면에 보이는 실행의 커서 위치에서 바로 확인합니다. 커서에서 행동하세요 (장애 주입, 콘솔, 매니페스트). 바꿀 때마다 새 분기가 생깁니다.";
    ExerciseComplete => "Exercise complete: every goal holds, now and to the end of the run.",
        "실습 완료: 모든 목표가 지금도, 실행이 끝날 때까지도 충족됩니다.";
    GoalPasses => "Passes", "통과";
    GoalPassesForNow => "Passes for now", "지금은 통과";
    GoalNotYet => "Not yet", "아직 아님";
    GoalPending => "Checked later", "나중에 확인";
    GoalFoundLead => "Found: ", "현재 상태: ";
    GoalFailsByEndLead => "✗ But not by the end of this run: ", "✗ 하지만 이 실행이 끝날 때는 아닙니다: ";
    RunShowsTitle => "What this run shows", "이 실행이 보여 주는 것";
    RunShowsHint => "What the story demonstrates, checked at the cursor as it plays.", "이야기가 보여 주는 것을 재생하는 동안 커서에서 확인합니다.";
    ShownYet => "shown", "보여 줌";
    NotShownYet => "not yet", "아직";
    GoalCheckedAt => "Checked at {0}: move the cursor there.", "{0}에 확인합니다. 커서를 그곳으로 옮기세요.";
    HintNudge => "Nudge", "귀띔";
    HintPointer => "Pointer", "단서";
    HintSolution => "Solution", "해답";
    ShowHint => "Show a hint: {0} ({1} of {2})", "힌트 보기: {0} ({2}개 중 {1}번째)";
    ShowNextHint => "Show the next hint: {0} ({1} of {2})", "다음 힌트 보기: {0} ({2}개 중 {1}번째)";
    ShowSolution => "Show the author's solution (opens it as the “solution” run)",
        "저자의 해답 보기 (“solution” 실행으로 엽니다)";
    WatchingSolution => "You are watching the author's solution. Goals passed here do not count as yours.",
        "지금 저자의 해답을 보고 있습니다. 여기서 통과한 목표는 내 진행 상황에 들어가지 않습니다.";
    BackToYourRun => "Back to your run", "내 실행으로 돌아가기";

    // The workshop index.
    WorkshopTitle => "Workshop", "워크숍";
    WorkshopIntro => "Eight exercises, in order. Each opens with its tasks beside the network; your progress stays in this browser.",
        "순서대로 푸는 여덟 개의 실습입니다. 각 실습은 네트워크 옆에 과제를 띄워 엽니다. 진행 상황은 이 브라우저에 저장됩니다.";
    ExercisesDone => "{0} of {1} exercises done", "{1}개 중 {0}개 실습 완료";
    StatusDone => "done", "완료";
    StatusStarted => "in progress", "진행 중";
    StatusNew => "not started", "시작 전";
    GoalsPassedOf => "goals passed: {0}/{1}", "목표 {1}개 중 {0}개 통과";
    HintsUsed => "{0} hints revealed", "힌트 {0}개 봄";
    HintsUsedOne => "1 hint revealed", "힌트 1개 봄";
    ProgressUnreadable => "The progress saved in this browser could not be read ({0}). It was kept aside, unchanged, under the storage key “{1}”.",
        "이 브라우저에 저장된 진행 상황을 읽을 수 없습니다 ({0}). 바꾸지 않고 저장소 키 “{1}”에 따로 보관했습니다.";
    YourProgress => "Your progress", "내 진행 상황";
    ProgressHint => "Export it to keep it or to continue in another browser; importing a file merges it into the progress here.",
        "보관하거나 다른 브라우저에서 이어 하려면 내보내세요. 파일을 가져오면 여기 진행 상황과 합쳐집니다.";
    ExportProgress => "Export progress", "진행 상황 내보내기";
    ImportProgress => "Import progress…", "진행 상황 가져오기…";
    ImportMergedOne => "Imported: progress for 1 exercise merged into this browser's.",
        "가져왔습니다: 실습 1개의 진행 상황을 이 브라우저의 것과 합쳤습니다.";
    ImportMerged => "Imported: progress for {0} exercises merged into this browser's.",
        "가져왔습니다: 실습 {0}개의 진행 상황을 이 브라우저의 것과 합쳤습니다.";
    ImportRefused => "This file could not be imported: {0}. Your progress is unchanged.",
        "이 파일을 가져올 수 없습니다: {0}. 진행 상황은 그대로입니다.";
    // Animation export (share menu).
    ClipExport => "Animation for slides", "슬라이드용 애니메이션";
    ClipFrom => "From (s)", "시작 (초)";
    ClipTo => "To (s)", "끝 (초)";
    ClipCaptions => "Timeline notes as captions", "타임라인 노트를 자막으로";
    ClipSvg => "Animated SVG", "애니메이션 SVG";
    ClipWebm => "Record WebM video", "WebM 동영상 녹화";
    ClipHint => "The network over a range of the run: an SVG that plays in any browser or slide tool (no script), or a WebM video recorded as it plays.",
        "실행의 한 구간 동안의 네트워크: 어느 브라우저나 슬라이드 도구에서도 재생되는 SVG(스크립트 없음), 또는 재생하며 녹화하는 WebM 동영상.";
    ClipWrote => "Saved ({0} KB).", "저장했습니다 ({0} KB).";
    ClipRecording => "Recording {0} s of video…", "동영상 {0}초를 녹화하는 중…";
    // The class view (#/class).
    ClassLink => "Check hand-ins (instructors)", "제출물 확인 (강사용)";
    ClassTitle => "Class: hand-ins checked by replay", "수업: 재생으로 확인한 제출물";
    ClassIntro => "Drop your learners' hand-in files here, choose them, or paste their codes. Each is replayed in this browser from the exercise this vipsim ships, as vipsim verify does: a pass can only come from actions that pass. Nothing is uploaded.",
        "학습자의 제출 파일을 여기에 끌어다 놓거나, 고르거나, 코드를 붙여 넣으세요. 각각을 이 vipsim에 든 실습에서 이 브라우저가 다시 재생합니다(vipsim verify와 같습니다). 통과는 통과하는 행동에서만 나옵니다. 아무것도 업로드하지 않습니다.";
    ClassChoose => "Choose hand-in files", "제출 파일 고르기";
    ClassPaste => "Or paste hand-in codes, one per line", "또는 제출 코드를 한 줄에 하나씩 붙여 넣기";
    ClassAddCodes => "Check these codes", "이 코드 확인";
    ClassExportCsv => "Export CSV", "CSV로 내보내기";
    ClassClear => "Clear the table", "표 비우기";
    ClassEmpty => "No hand-ins yet.", "아직 제출물이 없습니다.";
    ClassProgress => "Replaying: {0} of {1} done…", "재생하는 중: {1}개 중 {0}개 완료…";
    ClassDone => "{0} hand-ins replayed in {1} s.", "제출물 {0}개를 {1}초 만에 재생했습니다.";
    ClassTally => "{0} of {1} passed.", "{1}개 중 {0}개 통과.";
    ClassTableTitle => "Learners and goals", "학습자와 목표";
    ClassLearner => "Learner", "학습자";
    ClassExercise => "Exercise", "실습";
    ClassResult => "Result", "결과";
    ClassGoals => "Goals", "목표";
    ClassSolvedAt => "Solved at (run time)", "해결 시점 (실행 시간)";
    ClassHints => "Hints", "힌트";
    ClassFile => "File", "파일";
    ClassNoName => "(no name)", "(이름 없음)";
    ClassGoalPass => "pass", "통과";
    ClassGoalFail => "fail", "실패";
    StandingPassed => "passed", "통과";
    StandingFailed => "not yet", "아직";
    StandingTampered => "edited after hand-in", "제출 후 수정됨";
    StandingOtherVersion => "another vipsim version", "다른 vipsim 버전";
    StandingOtherExercise => "another exercise", "다른 실습";
    StandingUnreadable => "not a hand-in", "제출물이 아님";
    HandIn => "Hand in", "제출";
    HandInHint => "Your {0} actions on the run on screen, with their times, for your instructor to replay with vipsim verify. No results go in: the replay decides.",
        "화면의 실행에서 한 동작 {0}개와 그 시각입니다. 강사가 vipsim verify로 다시 실행해 확인합니다. 결과는 담기지 않으며 재실행이 판정합니다.";
    HandInName => "Your name", "이름";
    HandInFile => "Download the hand-in file", "제출 파일 내려받기";
    HandInCode => "Or paste this code into a chat", "또는 이 코드를 채팅에 붙여 넣기";
    CopyHandInCode => "Copy the code", "코드 복사";
    HandInCodeCopied => "Code copied.", "코드를 복사했습니다.";
    HandInOwnRun => "To hand in, go back to your own run: the author's solution and variants are not yours.",
        "제출하려면 내 실행으로 돌아가세요. 작성자의 풀이와 변형은 내 것이 아닙니다.";

    // The scenario editor and manifests.
    ApplyYaml => "Apply", "적용";
    RevertYaml => "Revert", "되돌리기";
    DownloadYaml => "Download YAML", "YAML 내려받기";
    EditorHint => "Edit the scenario and apply it: the run is rebuilt at the same moment. Errors are marked at their line.",
        "시나리오를 고치고 적용하세요. 같은 시점에서 실행을 다시 만듭니다. 오류는 해당 줄에 표시됩니다.";
    EditorErrors => "Errors in the YAML", "YAML 오류";
    LineColumn => "Line {0}, column {1}", "{0}번째 줄, {1}번째 칸";
    DraftRestored => "Your unapplied edit from before was kept in this browser and is back. Revert drops it.",
        "이전에 적용하지 않은 편집을 이 브라우저가 보관해 두었다가 되살렸습니다. 되돌리기를 누르면 버립니다.";
    YamlApplied => "Applied: the run was rebuilt from this text.", "적용했습니다. 이 글로 실행을 다시 만들었습니다.";
    ManifestsTitle => "Manifests: apply at the cursor", "매니페스트: 커서 위치에 적용";
    ManifestsHint => "Like kubectl apply: a held manifest as written, or any manifest after editing it. Each runs in a new branch.",
        "kubectl apply처럼 동작합니다. 보류된 매니페스트는 그대로, 다른 매니페스트는 고친 뒤 적용합니다. 적용할 때마다 새 분기에서 실행됩니다.";
    Held => "held", "보류됨";
    KubectlApplyAt => "kubectl apply at {0}", "{0}에 kubectl apply";
    EditManifest => "Edit…", "편집…";
    EditingManifest => "Editing {0}", "{0} 편집 중";
    ApplyEditedAt => "Apply the edit at {0}", "{0}에 편집 내용 적용";
    Cancel => "Cancel", "취소";
    OneManifestOnly => "Edit one manifest at a time: the text must not start or end a YAML document (--- or ...).",
        "매니페스트는 한 번에 하나씩 고치세요. 글에 YAML 문서 구분자(--- 또는 ...)가 있으면 안 됩니다.";

    // Keyboard help.
    KeyboardShortcuts => "Keyboard shortcuts", "단축키";
    Close => "Close", "닫기";
    KeySpace => "Space", "스페이스";
    KeySpaceDoes => "play / pause (in the tour: next stop)", "재생 / 일시 정지 (투어에서는 다음 단계)";
    KeyArrows => "→ / ←", "→ / ←";
    KeyArrowsDo => "step one event forward / back", "이벤트 하나 앞으로 / 뒤로";
    KeyShiftArrows => "Shift + → / ←", "Shift + → / ←";
    KeyShiftArrowsDo => "next / previous interesting event (fault, note, leader, GARP, drops, commands)",
        "다음 / 이전의 주요 이벤트 (장애, 메모, 리더, GARP, 드롭, 명령)";
    KeyHomeEnd => "Home / End", "Home / End";
    KeyHomeEndDo => "start / end of the run", "실행의 처음 / 끝";
    KeySlash => "/", "/";
    KeySlashDoes => "filter the event list", "이벤트 목록 거르기";
    KeyEventList => "↑ / ↓ in the event list", "이벤트 목록에서 ↑ / ↓";
    KeyEventListDoes => "previous / next record", "이전 / 다음 기록";
    KeyConsole => "Tab, ↑ / ↓ in the console", "콘솔에서 Tab, ↑ / ↓";
    KeyConsoleDoes => "complete, recall history", "자동 완성, 이전 명령 불러오기";
    KeyEnterHost => "Enter on a host", "호스트에서 Enter";
    KeyEnterHostDoes => "inspect it", "그 호스트 살펴보기";
    KeyQuestion => "?", "?";
    KeyQuestionDoes => "this help", "이 도움말";
    KeyDigits => "1 … 9", "1 … 9";
    KeyDigitsDo => "answer the checkpoint's question with that choice", "체크포인트 질문에 그 번호의 보기로 답하기";
    KeyEsc => "Esc", "Esc";
    KeyEscDoes => "close this help or the record view, end the tour", "이 도움말이나 기록 보기 닫기, 투어 끝내기";

    // The timeline.
    Playback => "Playback", "재생";
    GoStart => "|◀ start", "|◀ 처음";
    GoStartLabel => "Go to the start (Home)", "처음으로 (Home)";
    GoStartTitle => "Start (Home)", "처음 (Home)";
    PrevMark => "⇤ mark", "⇤ 표시";
    PrevMarkLabel => "Previous mark: interesting event (Shift+Left)", "이전 표시: 주요 이벤트 (Shift+왼쪽)";
    PrevMarkTitle => "Previous interesting event (Shift+←)", "이전 주요 이벤트 (Shift+←)";
    StepBack => "◀ step", "◀ 한 단계";
    StepBackLabel => "Step back one event (Left)", "이벤트 하나 뒤로 (왼쪽)";
    StepBackTitle => "Step back (←)", "뒤로 (←)";
    Play => "▶ Play", "▶ 재생";
    PlayLabel => "Play (Space)", "재생 (스페이스)";
    Pause => "❙❙ Pause", "❙❙ 일시 정지";
    PauseLabel => "Pause (Space)", "일시 정지 (스페이스)";
    StepForward => "step ▶", "한 단계 ▶";
    StepForwardLabel => "Step forward one event (Right)", "이벤트 하나 앞으로 (오른쪽)";
    StepForwardTitle => "Step forward (→)", "앞으로 (→)";
    NextMark => "mark ⇥", "표시 ⇥";
    NextMarkLabel => "Next mark: interesting event (Shift+Right)", "다음 표시: 주요 이벤트 (Shift+오른쪽)";
    NextMarkTitle => "Next interesting event (Shift+→)", "다음 주요 이벤트 (Shift+→)";
    GoEnd => "end ▶|", "끝 ▶|";
    GoEndLabel => "Go to the end (End)", "끝으로 (End)";
    GoEndTitle => "End (End)", "끝 (End)";
    Speed => "Speed", "속도";
    PlaybackSpeed => "Playback speed", "재생 속도";
    ClockRest => " / {0} · step {1} of {2}", " / {0} · {2}단계 중 {1}단계";
    Time => "Time", "시간";
    MarkAt => "{0} at {1}", "{1}: {0}";
    RequestsFailing => "requests failing {0} → {1}", "요청 실패 {0} → {1}";
    NothingYet => "Nothing has happened yet: step forward or press play.",
        "아직 아무 일도 없습니다. 한 단계 앞으로 가거나 재생을 누르세요.";
    AtTime => "At {0}: ", "{0}: ";
    MoreInEvent => " (+{0} more in this event)", " (이 이벤트에 {0}개 더)";
    MarkLeader => "{0} announces {1} ({2})", "{0}이(가) {1}을(를) 알림 ({2})";
    MarkNoLeader => "nobody announces {0} ({1})", "아무도 {0}을(를) 알리지 않음 ({1})";
    MarkGarp => "gratuitous ARP from {0}", "{0}의 gratuitous ARP";
    MarkDrops => "drops start at {0}: {1}", "{0}에서 드롭 시작: {1}";

    // The network.
    RoleRouter => "router", "라우터";
    RoleClient => "client", "클라이언트";
    RoleNode => "node", "노드";
    PodReady => "ready", "준비됨";
    PodNotReady => "not ready", "준비 안 됨";
    PodTerminating => "terminating", "종료 중";
    MorePods => "+{0} more pods", "파드 {0}개 더";
    PoweredOffCaps => "POWERED OFF", "전원 꺼짐";
    LinkDown => "✕ link down", "✕ 링크 끊김";
    HostLabel => "{0}, {1}, {2}, MAC {3}", "{0}, {1}, {2}, MAC {3}";
    HostLabelOff => ", powered off", ", 전원 꺼짐";
    HostLabelAnnounces => ", announces VIP {0}", ", VIP {0}을(를) 알림";
    HostLabelNextHop => ", BGP next hop for VIP {0}", ", VIP {0}의 BGP 넥스트 홉";
    SwitchLabel => "{0}: {1} MACs learned, learning switch", "{0}: MAC {1}개 학습, 러닝 스위치";
    MacsLearned => "{0} MACs learned", "MAC {0}개 학습";
    HowVipReached => "How the VIP is reached", "VIP에 닿는 길";
    ReachesVipVia => "{0} reaches the VIP via", "{0}이(가) VIP에 닿는 길";
    CalloutRoute => "route {0}", "경로 {0}";
    CalloutVia => "via {0}", "경유 {0}";
    CalloutNoRoute => "no route to {0} yet", "아직 {0}(으)로 가는 경로 없음";
    CalloutRouteInstalled => "installed when a BGP speaker advertises it", "BGP 스피커가 광고하면 설치됨";
    CalloutExpires => ", expires in {0}", ", {0} 후 만료";
    CalloutNoMac => "ARP {0}: {1} (no MAC yet)", "ARP {0}: {1} (아직 MAC 없음)";
    CalloutNoEntry => "ARP {0}: no entry", "ARP {0}: 항목 없음";
    CalloutWillAsk => "the next packet for it will ask: Who has?", "다음 패킷이 물어봅니다: Who has?";
    CalloutIgnoredGarp => "↩ ignored GARP from {0}", "↩ {0}의 GARP 무시";
    DroppedWhy => "dropped: {0}", "드롭: {0}";
    DroppedAt => "✕ dropped at {0}: {1}", "✕ {0}에서 드롭: {1}";
    FrameKinds => "Frame kinds", "프레임 종류";
    LegendArpRequest => "ARP request", "ARP 요청";
    LegendArpReply => "ARP reply", "ARP 응답";
    LegendGarp => "gratuitous ARP", "gratuitous ARP";
    LegendTcp => "TCP / HTTP", "TCP / HTTP";
    LegendIcmp => "ICMP", "ICMP";
    LegendOther => "other", "기타";
    LegendDrop => "drop (hover for why)", "드롭 (마우스를 올리면 이유)";
    ComingUp => "Coming up", "곧 일어날 일";
    ComingIn => "in {0} ({1}): {2}", "{0} 후 ({1}): {2}";
    MemberlistNoticesFailure => "{0}'s memberlist notices that {1} failed", "{0}의 memberlist가 {1}의 장애를 알아챔";
    MemberlistSeesJoin => "{0}'s memberlist sees {1} join", "{0}의 memberlist가 {1}의 합류를 봄";
    BgpHoldExpires => "the router's BGP hold timer for {0} expires and its route is withdrawn",
        "라우터의 {0} BGP 홀드 타이머가 만료되어 경로가 철회됨";
    TopologyAsTable => "Topology as a table", "표로 본 토폴로지";
    HostsAt => "Hosts at {0}", "{0}의 호스트";
    Host => "Host", "호스트";
    Role => "Role", "역할";
    Addresses => "Addresses", "주소";
    Power => "Power", "전원";
    CabledTo => "Cabled to", "연결 대상";
    HoldsVip => "Holds VIP", "가진 VIP";
    Up => "up", "켜짐";
    PoweredOff => "powered off", "전원 꺼짐";
    SwitchPort => "{0} port {1}", "{0} 포트 {1}";
    LinkDownNote => " (link down)", " (링크 끊김)";
    BgpNextHopOf => "{0} (BGP next hop)", "{0} (BGP 넥스트 홉)";

    // Charts.
    ClientRequestsTitle => "Requests, one lane per probe (● answered, ✕ failed, □ turned away by Local policy)",
        "요청, 프로브마다 한 줄 (● 응답, ✕ 실패, □ Local 정책으로 거절됨)";
    LocalDrops => "{0} turned away by externalTrafficPolicy: Local (no pod on the node it reached): the policy working, not an outage.",
        "{0}개는 externalTrafficPolicy: Local로 거절됨 (도착한 노드에 파드 없음): 장애가 아니라 정책대로 동작한 것입니다.";
    EveryLocalDrop => "All {0} turned away by externalTrafficPolicy: Local (no pod on the node they reached).",
        "{0}개 모두 externalTrafficPolicy: Local로 거절됨 (도착한 노드에 파드 없음).";
    HowReaches => "How {0} reaches {1}", "{0}이(가) {1}에 닿는 길";
    HowRouterReaches => "How the router reaches the VIP", "라우터가 VIP에 닿는 길";
    ServedTitle => "Requests served, by node", "노드별 처리한 요청";
    SimulatedTime => "simulated time (s)", "시뮬레이션 시간 (초)";
    RequestsPer5s => "requests / 5 s", "요청 / 5초";
    OutageLabel => "outage {0}", "장애 {0}";
    Route => "route", "경로";
    ChartFailed => "The chart could not be drawn: {0}", "차트를 그릴 수 없습니다: {0}";
    NoRequests => "No client requests (curl) in this run.", "이 실행에는 클라이언트 요청(curl)이 없습니다.";
    AllSucceeded => "All {0} requests succeeded.", "요청 {0}개가 모두 성공했습니다.";
    TheOneSucceeded => "The one request succeeded.", "요청 1개가 성공했습니다.";
    AnsweredOf => "{0} of {1} requests answered.", "요청 {1}개 중 {0}개가 응답받았습니다.";
    NoneAnswered => "None of the {0} requests was answered.", "요청 {0}개 중 응답받은 것이 없습니다.";
    TheOneNotAnswered => "The one request was not answered.", "요청 1개가 응답받지 못했습니다.";
    SomeFailed => "{0} of {1} requests failed; the longest outage lasted {2} ({3} → {4}).",
        "요청 {1}개 중 {0}개가 실패했습니다. 가장 긴 장애는 {2} 동안 이어졌습니다 ({3} → {4}).";
    SomeFailedOngoing => "{0} of {1} requests failed; the longest outage lasted {2}, until the end of the run ({3} → {4}).",
        "요청 {1}개 중 {0}개가 실패했습니다. 가장 긴 장애는 {2} 동안, 실행이 끝날 때까지 이어졌습니다 ({3} → {4}).";
    NoVipLookup => "No VIP was looked up from outside the cluster in this run.",
        "이 실행에서는 클러스터 밖에서 VIP를 조회하지 않았습니다.";
    NoEntry => "no entry", "항목 없음";
    PathFrom => "from {0}: {1}", "{0}부터: {1}";
    NeverLookedUp => "{0} never looked {1} up.", "{0}은(는) {1}을(를) 조회하지 않았습니다.";
    NoneServed => "No pod served a request.", "요청을 처리한 파드가 없습니다.";
    ServedPerNode => "Requests served per node: {0}.", "노드별 처리한 요청: {0}.";

    // Compare.
    CompareTitle => "Compare: A = {0}", "비교: A = {0}";
    CompareWith => "Compare with", "비교 대상";
    Nothing => "nothing", "없음";
    RunOption => "run: {0}", "실행: {0}";
    VariantOption => "variant: {0}", "변형: {0}";
    Run => "Run", "실행";
    FailedRequests => "Failed requests", "실패한 요청";
    LongestOutage => "Longest outage", "가장 긴 장애";
    PathChanges => "Path changes", "경로 변경";
    UntilTheEnd => " (until the end)", " (끝까지)";
    None => "none", "없음";
    CompareRequestsTitle => "Client requests: A = {0}, B = {1}", "클라이언트 요청: A = {0}, B = {1}";
    ComparePathTitle => "How the router reaches the VIP, A and B", "라우터가 VIP에 닿는 길, A와 B";
    ComparePathSummary => "Each lane is one run and one host; bars show where the router's entry pointed.",
        "한 줄이 실행 하나와 호스트 하나입니다. 막대는 라우터의 항목이 가리킨 곳입니다.";
    CompareHintVariant => "Pick a variant, a branch or a scenario on the same LAN to see both runs on one time axis, e.g. this run against “{0}”.",
        "변형, 분기, 또는 같은 LAN의 시나리오를 고르면 두 실행을 한 시간 축에서 봅니다. 예: 이 실행과 “{0}”.";
    CompareHintScenario => "Pick a branch or a scenario on the same LAN to see both runs on one time axis, e.g. this run against “{0}”.",
        "분기나 같은 LAN의 시나리오를 고르면 두 실행을 한 시간 축에서 봅니다. 예: 이 실행과 “{0}”.";
    CompareHintBranch => "Make a branch (What if?) and pick it here to see both runs on one time axis.",
        "분기를 만들고 (만약에?) 여기서 고르면 두 실행을 한 시간 축에서 봅니다.";
    SameLanOption => "the same LAN: {0}", "같은 LAN: {0}";

    // Branches.
    BranchesTitle => "What if? Branch at the cursor", "만약에? 커서에서 분기하기";
    Remedies => "Remedies at the cursor", "커서에서 쓸 수 있는 해결책";
    InjectFault => "Inject a fault", "장애 주입";
    Fault => "Fault", "장애";
    ArpTimeout => "ARP timeout", "ARP 타임아웃";
    Pod => "Pod", "파드";
    ApplyAt => "Apply at {0}", "{0}에 적용";
    BadArpTimeout => "ARP timeout: {0}", "ARP 타임아웃: {0}";
    RemedyFlush => "Flush {0}'s ARP cache", "{0}의 ARP 캐시 비우기";
    RemedyHonour => "{0}: honour GARP", "{0}: GARP 따르기";
    RemedyTimeout => "{0}: ARP timeout 30 s", "{0}: ARP 타임아웃 30초";
    OpenBgpVersion => "Open the BGP version: {0}", "BGP 버전 열기: {0}";
    Runs => "Runs", "실행 목록";
    FutileAlreadyHonours => "{0} already honours GARP: that branch would change nothing.", "{0}은(는) 이미 GARP를 따릅니다: 그 분기는 아무것도 바꾸지 않습니다.";
    FutileNoMoreGarp => "Honouring GARP on {0} changes nothing now: no more GARP for {3} will come ({1}). Flush {0}'s ARP cache, or wait for its ARP timeout ({2}).",
        "지금 {0}에서 GARP를 따르게 해도 바뀌는 것이 없습니다: {3}에 대한 GARP는 더 오지 않습니다 ({1}). {0}의 ARP 캐시를 비우거나 ARP 타임아웃({2})을 기다리세요.";
    FutileNoMoreGarpLinux => "Honouring GARP on {0} changes nothing now: no more GARP for {2} will come ({1}). Flush {0}'s ARP cache, or wait: Linux has no ARP timeout, but once the entry goes stale and is used, its unicast probes to the old MAC must go unanswered before it asks the LAN again.",
        "지금 {0}에서 GARP를 따르게 해도 바뀌는 것이 없습니다: {2}에 대한 GARP는 더 오지 않습니다 ({1}). {0}의 ARP 캐시를 비우거나 기다리세요: Linux에는 ARP 타임아웃이 없지만, 항목이 STALE이 된 뒤 쓰이면 옛 MAC으로 보낸 유니캐스트 확인 요청에 응답이 없어야 LAN에 다시 묻습니다.";
    BurstEnded => "{0}'s burst ended at {1}", "{0}의 전송은 {1}에 끝났습니다";
    BurstEndedHidden => "the last burst ended at {0}", "마지막 전송은 {0}에 끝났습니다";
    FutileNoGarp => "No GARP for {1} reaches {0} in this run: honouring it changes nothing.", "이 실행에서 {1}에 대한 GARP는 {0}에 닿지 않습니다: 따르게 해도 바뀌는 것이 없습니다.";
    FutileAlreadyRight => "{0}'s entry for {1} already points at {2}, which answers for it: a flush changes nothing.",
        "{0}의 {1} 항목은 이미 응답하는 {2}을(를) 가리킵니다: 비워도 바뀌는 것이 없습니다.";
    FutileAlreadyRightHidden => "{0}'s entry for {1} already points at the node that answers for it: a flush changes nothing.",
        "{0}의 {1} 항목은 이미 응답하는 노드를 가리킵니다: 비워도 바뀌는 것이 없습니다.";
    OriginalRun => "original", "원래 실행";
    BranchedFrom => " branched from {0} at {1}", " {1}에 {0}에서 분기";
    RunLongestOutage => "longest outage {0}", "가장 긴 장애 {0}";
    NoFailedRequests => "no failed requests", "실패한 요청 없음";
    Shown => "shown", "표시 중";
    Show => "Show", "보기";
    CompareButton => "Compare", "비교";
    DeleteRun => "Delete", "삭제";
    DeleteRunLabel => "Delete {0} and the branches made from it", "{0}와(과) 그로부터 만든 분기 삭제";
    BranchesDropped => "At most {0} branches are kept; the oldest were dropped to free their memory: {1}.",
        "분기는 최대 {0}개까지 유지합니다. 메모리를 비우려고 가장 오래된 분기를 버렸습니다: {1}.";

    // The console.
    ConsoleHintBefore => "Runs at the cursor, like a terminal: curl, arping, ping and tcpdump run the simulation forward until they finish; a command that takes time or changes something runs in this console session's branch. End a line with & to run it in the background. Type ",
        "터미널처럼 커서 위치에서 실행됩니다. curl, arping, ping, tcpdump는 끝날 때까지 시뮬레이션을 앞으로 돌립니다. 시간이 걸리거나 무언가를 바꾸는 명령은 이 콘솔 세션의 분기에서 실행됩니다. 줄 끝에 &를 붙이면 백그라운드에서 실행합니다. ";
    ConsoleHintAfter => "; Tab completes, ↑/↓ recall.", " 을(를) 입력해 보세요. Tab으로 완성, ↑/↓로 이전 명령.";
    ConsoleOutput => "Console output", "콘솔 출력";
    ConsoleHost => "Console host", "콘솔 호스트";
    Command => "Command", "명령";
    RunCommand => "Run", "실행";
    RunningUntil => "running… (completes at {0})", "실행 중… ({0}에 끝남)";
    RunsFromUntil => "runs from {0} (completes at {1})", "{0}부터 실행 ({1}에 끝남)";
    RunningUntilIn => "running… (completes at {0} in run “{1}”)", "실행 중… (실행 “{1}”에서 {0}에 끝남)";
    JumpThere => "Jump there", "그곳으로 이동";
    StillRunning => "(still running when the run ends at {0}: no output yet)", "(실행이 {0}에 끝날 때까지도 실행 중: 아직 출력 없음)";
    HelpHeader => "Commands (run on the selected host at the current simulated time):",
        "명령 (선택한 호스트에서 현재 시뮬레이션 시각에 실행):";
    HelpKubectl => "the cluster's API server", "클러스터의 API 서버";
    HelpCurl => "HTTP request over the simulated network (-s -S -m -o -w -H)", "시뮬레이션 네트워크로 HTTP 요청 (-s -S -m -o -w -H)";
    HelpArping => "ask who has an IP, print the MAC that answers (-c -w -I -b -f -U -A)", "IP의 주인을 묻고 응답한 MAC을 출력 (-c -w -I -b -f -U -A)";
    HelpPing => "ICMP echo (-c -i -W)", "ICMP 에코 (-c -i -W)";
    HelpTcpdump => "capture frames on an interface (-i -n -e -c, filters: arp tcp icmp host port); without -c or timeout the console presses Ctrl-C after 10 s", "인터페이스의 프레임 캡처 (-i -n -e -c, 필터: arp tcp icmp host port). -c나 timeout이 없으면 콘솔이 10초 뒤 Ctrl-C를 누릅니다";
    HelpTimeout => "timeout SECONDS COMMAND: bound a capture, e.g. timeout 5 tcpdump -n -i eth0 arp", "timeout 초 명령: 캡처 시간 제한, 예: timeout 5 tcpdump -n -i eth0 arp";
    HelpIp => "ip neigh [show [ADDRESS] [dev IFACE] [nud STATE]] | ip -s neigh | ip addr | ip route | ip neigh flush all", "ip neigh [show [ADDRESS] [dev IFACE] [nud STATE]] | ip -s neigh | ip addr | ip route | ip neigh flush all (이웃, 주소, 경로 보기와 ARP 캐시 비우기)";
    HelpConntrack => "conntrack -L [-s|-d|-r|-q ADDR] [-p PROTO [--sport|--dport PORT]] | conntrack -F (nodes)", "conntrack -L [-s|-d|-r|-q ADDR] [-p PROTO [--sport|--dport PORT]] | conntrack -F (노드에서)";
    HelpCiliumDbg => "cilium-dbg service list | status --brief (nodes of a Cilium cluster)", "cilium-dbg service list | status --brief (Cilium 클러스터의 노드에서)";
    HelpVtysh => "vtysh -c \"show ip bgp summary|show ip bgp|show ip route\" (routers, FRR)", "vtysh -c \"show ip bgp summary|show ip bgp|show ip route\" (라우터, FRR)";
    HelpShow => "show ip arp (Cisco-model routers)", "show ip arp (Cisco 모델 라우터)";
    HelpHelp => "this list", "이 목록";
    ConsoleSessionOne => "console at {0}: {1} command", "{0}의 콘솔: 명령 {1}개";
    ConsoleSessionMany => "console at {0}: {1} commands", "{0}의 콘솔: 명령 {1}개";
    InRun => "in “{0}”", "“{0}”에서";
    RunDeleted => "(its run was deleted)", "(이 명령의 실행은 삭제됨)";
    FromScenario => "scenario", "시나리오";
    FromScenarioTitle => "run by the scenario's timeline (read-only)", "시나리오 타임라인이 실행함 (읽기 전용)";
    RanTimes => "×{0} since {1}, every {2}; {3} failed", "{1}부터 {2}마다 {0}번; {3}번 실패";
    Completions => "Completions", "완성 후보";

    // Events.
    DownloadJsonl => "Download jsonl", "jsonl 내려받기";
    DownloadPcap => "Download pcap", "pcap 내려받기";
    FilterEvents => "Filter events", "이벤트 거르기";
    ShowFilter => "Show", "보기";
    ShowEverything => "everything", "전체";
    ShowArp => "ARP only", "ARP만";
    ShowDrops => "drops only", "드롭만";
    ShowFrames => "frames", "프레임";
    ShowCommands => "commands", "명령";
    ShowControlPlane => "control plane", "컨트롤 플레인";
    AnyHost => "any host", "모든 호스트";
    Text => "Text", "글";
    TextExample => "e.g. {0}", "예: {0}";
    RecordsCount => "{0} of {1} records", "기록 {1}개 중 {0}개";
    EventListLabel => "Event list: Up and Down choose a record", "이벤트 목록: 위/아래 키로 기록 선택";
    ColNo => "No.", "번호";
    ColTime => "Time (s)", "시간 (초)";
    ColProtocol => "Protocol", "프로토콜";
    ColDescription => "Description", "설명";
    ColSummary => "What it means", "의미";

    // The inspector.
    InspectHost => "Inspect host", "살펴볼 호스트";
    ChooseHost => "choose a host…", "호스트 선택…";
    RecordTitle => "#{0} at {1}: {2}", "#{0} ({1}): {2}";
    CloseRecord => "Close the record view", "기록 보기 닫기";
    FrameSent => "{0} {1} sent", "{0} {1} 보냄";
    FrameReceived => "{0} {1} received", "{0} {1} 받음";
    Why => "Why: {0}", "이유: {0}";
    WhyIgnored => "{0} ignored this ARP: {1}", "{0}이(가) 이 ARP를 무시함: {1}";
    WhyDroppedIt => "{0} dropped it: {1}", "{0}이(가) 드롭함: {1}";
    WhyDroppedAt => "dropped at {0}: {1}", "{0}에서 드롭됨: {1}";
    WhySendsTo => "{0} sends it to {1}", "{0}이(가) {1}(으)로 보냄";
    WhyGratuitous => "gratuitous ARP: sender IP = target IP, announcing {0} is at {1}",
        "gratuitous ARP: 보낸 쪽 IP = 대상 IP, {0}이(가) {1}에 있다고 알림";
    WhyAnsweredBy => "answered by {0} on {1} (it announces {2} for {3})", "{1}의 {0}이(가) 응답 ({3}의 {2}을(를) 알림)";
    WhyDestination => "destination MAC {0} belongs to {1}", "목적지 MAC {0}은(는) {1}의 것";
    FrameBytes => "Frame bytes", "프레임 바이트";
    FieldBytes => "{0}: {1}, bytes {2} to {3}", "{0}: {1}, 바이트 {2}~{3}";
    Ago => "{0} ago", "{0} 전";
    In => "in {0}", "{0} 후";
    JustChanged => " (just changed)", " (방금 바뀜)";
    CiscoModel => "Cisco-like, {0}, ARP timeout {1}", "Cisco 방식, {0}, ARP 타임아웃 {1}";
    LinuxModel => "Linux, {0}, reachable time {1}", "Linux, {0}, reachable 시간 {1}";
    Expires => "expires {0}", "만료 {0}";
    Timer => "timer {0}", "타이머 {0}";
    ArpCacheOn => "ARP cache on {0} ({1})", "{0}의 ARP 캐시 ({1})";
    MacHost => "MAC (host)", "MAC (호스트)";
    StateTimer => "State, timer", "상태, 타이머";
    AgesExplained => "seconds since updated / confirmed / used", "갱신 / 확인 / 사용 후 지난 초";
    Ages => "Ages (s)", "경과 (초)";
    Empty => "empty", "비어 있음";
    DirectlyConnected => "directly connected", "직접 연결";
    Routes => "Routes", "경로";
    Destination => "Destination", "목적지";
    Via => "Via", "경유";
    Origin => "Origin", "출처";
    ConntrackFlows => "conntrack ({0} flows)", "conntrack (흐름 {0}개)";
    OriginalDir => "Original", "원래 방향";
    Reply => "Reply", "응답 방향";
    ExpiresCol => "Expires", "만료";
    NoFlows => "no flows", "흐름 없음";
    PolicyLocal => "external: DNAT to local endpoints only ({0} here), client IP kept; none: turned away (kube-proxy iptables drops, Cilium refuses, IPVS sends it to another node's pod unmasqueraded)",
        "외부: 로컬 엔드포인트로만 DNAT (여기 {0}개), 클라이언트 IP 유지. 없으면 거절 (kube-proxy iptables는 드롭, Cilium은 거부, IPVS는 다른 노드의 파드로 SNAT 없이 전달)";
    PolicyClusterEbpf => "external: DNAT to any ready endpoint, SNAT only when it is on another node",
        "외부: 준비된 아무 엔드포인트로 DNAT, 다른 노드에 있을 때만 SNAT";
    PolicyCluster => "external: DNAT to any ready endpoint, SNAT to this node's IP",
        "외부: 준비된 아무 엔드포인트로 DNAT, 이 노드의 IP로 SNAT";
    LocalNote => ", local", ", 로컬";
    EndpointOn => "{0} on {1} ({2})", "{1}의 {0} ({2})";
    ServiceRules => "Service rules ({0} datapath)", "Service 규칙 ({0} 데이터패스)";
    Frontends => "Frontends", "프런트엔드";
    Translation => "Translation", "변환";
    Endpoints => "Endpoints", "엔드포인트";
    MemberlistSees => "MetalLB speaker: memberlist sees {0}", "MetalLB 스피커: memberlist가 보는 노드 {0}";
    AnswersArpFor => "answers ARP for {0}", "{0}의 ARP에 응답";
    LeaderOf => " ({0}, leader)", " ({0}, 리더)";
    AgentRunning => "running", "실행 중";
    AgentStopped => "stopped", "멈춤";
    AgentState => "speaker / agent {0}; node Ready={1}: {2}", "스피커 / 에이전트 {0}, 노드 Ready={1}: {2}";
    ThisNode => " (this node)", " (이 노드)";
    LeaseState => "lease {0}: held by {1}, renewed {2}, {3} transitions", "리스 {0}: 보유 {1}, 갱신 {2}, 전환 {3}회";
    BgpSession => "BGP to {0}: {1} since {2}, hold {3}, advertises {4}", "{0}와의 BGP: {2}부터 {1}, 홀드 {3}, 광고 {4}";
    AnnouncingVip => "Announcing the VIP", "VIP 알리기";
    AgedOut => "aged out (removed on the next sweep)", "만료됨 (다음 정리 때 삭제)";
    MacTable => "MAC table (aging {0})", "MAC 테이블 (에이징 {0})";
    Port => "Port", "포트";
    Age => "Age", "경과";
    AgesOut => "Ages out", "만료까지";
    NotInScenario => "{0} is not in this scenario.", "{0}은(는) 이 시나리오에 없습니다.";
    HowReal => "How real is this?", "얼마나 실제와 같나요?";
    HowRealLesson => "How real is this? Versions modelled, what is simplified",
        "얼마나 실제와 같나요? 모델링한 버전, 단순화한 부분";
    HowRealClose => "Close How real is this?", "얼마나 실제와 같나요? 닫기";
    HowRealInUse => "Marked ● below: what {0} runs: {1}.",
        "아래 ● 표시: {0}에서 실행하는 것: {1}. (이 페이지의 본문은 영어입니다.)";
    HowRealLoading => "Reading FIDELITY.md…", "FIDELITY.md를 읽는 중…";
    HowRealUnavailable => "FIDELITY.md could not be read ({0}). It is kept for offline use once the playground has been opened online.",
        "FIDELITY.md를 읽지 못했습니다 ({0}). 온라인에서 한 번 연 뒤에는 오프라인에서도 볼 수 있습니다.";
    HowRealFilter => "Show behaviours", "동작 보기";
    HowRealAll => "All ({0})", "전체 ({0})";
    HowRealBehaviour => "behaviour", "동작";
    HowRealStatus => "status", "상태";
    HowRealEvidence => "pinned down by", "근거";
    VerdictExact => "exact", "정확";
    VerdictSimplified => "simplified", "단순화";
    VerdictNotModelled => "not modelled", "모델링 안 함";
    FoundNoRuns => "no matching commands ran on {0} in that window", "그 구간에 {0}에서 실행된 해당 명령이 없습니다";
    FoundSucceeded => "{0}/{1} succeeded ({2}%)", "{1}번 중 {0}번 성공 ({2}%)";
    FoundNoHost => "no host {0}", "호스트 {0}이(가) 없습니다";
    FoundBadIp => "bad IP {0}", "잘못된 IP {0}";
    FoundNoEntry => "{0} has no entry for {1}", "{0}에 {1} 항목이 없습니다";
    FoundEntry => "{0} has {1} -> {2} ({3}) {4}", "{0}: {1} -> {2} ({3}) {4}";
    FoundAnnouncedBy => "{0} is announced by {1}", "{0}을(를) {1}이(가) 알리고 있습니다";
    FoundAnnouncedByNone => "{0} is announced by none", "{0}을(를) 알리는 노드가 없습니다";
    FoundHiddenNode => "a node you have not found yet", "아직 찾지 못한 노드";
    FoundExternalIp => "EXTERNAL-IP of {0} is {1}", "{0}의 EXTERNAL-IP는 {1}입니다";
    FoundNoService => "no Service {0}", "Service {0}이(가) 없습니다";
    FoundPodsSaw => "pods saw clients {0}", "파드가 본 클라이언트: {0}";
    FoundPodsSawNone => "pods saw clients (none)", "파드가 본 클라이언트: (없음)";
    FoundOutput => "output: {0}", "출력: {0}";
    FoundTable => "a table of {0} rows, the first: {1}", "{0}행짜리 표, 첫 행: {1}";
    FoundLines => "{0} (the first of {1} lines)", "{0} ({1}줄 중 첫 줄)";
    FoundTakesTime => "the command takes time; goals can only run instant commands (kubectl, ip, conntrack)",
        "시간이 걸리는 명령입니다. 목표는 즉시 끝나는 명령(kubectl, ip, conntrack)만 실행할 수 있습니다";
    FoundDrops => "{0} drops with reason {1}", "사유 {1}인 드롭 {0}개";
    FoundRan => "ran: {0}", "실행함: {0}";
    FoundNotRanYet => "no successful `{0}` yet", "아직 성공한 `{0}` 없음";
    FoundFloods => "{0} unknown-unicast floods", "알 수 없는 유니캐스트 플러딩 {0}번";

    // The static pages' words (src/view/site.rs, www/boot.js), before the wasm has arrived.
    BootLoading => "Loading the simulator…", "시뮬레이터를 불러오는 중…";
    BootFailed => "The simulator could not start: {0}. Reload the page to try again.",
        "시뮬레이터를 시작하지 못했습니다: {0}. 페이지를 새로 고쳐 다시 시도하세요.";
    BootProgress => "Downloading the simulator", "시뮬레이터 내려받는 중";
    RunSimulation => "Run the simulation", "시뮬레이션 실행";
    AtMoment => "at {0}", "{0} 시점";
    PosterLabel => "The network at {0}", "{0}의 네트워크";
    FoundFrameTo => "{0} sent its packet for {1} to {2}", "{0}에서 {1} 대상 패킷을 {2}에 보냄";
    FoundNoFrameTo => "{0} sent no packet to {1}", "{0}에서 {1}에 보낸 패킷 없음";
    FoundRouteOnLink => "{0} reaches {1} on-link", "{0}에서 {1}에 직접 (on-link) 닿음";
    FoundRoute => "{0} routes {1} via {2}", "{0}의 {1} 경로: {2} 경유";

    // Checkpoints: predict, then observe.
    CheckpointHeading => "Predict", "예측";
    CheckpointComing => "The first question comes at {0}.", "첫 질문은 {0}에 나옵니다.";
    CheckpointChoices => "Your prediction", "내 예측";
    CheckpointGuessed => "Your guess: {0}. Play on to see what happens (answer at {1}).",
        "내 예측: {0}. 계속 재생해서 확인하세요 (답: {1}).";
    CheckpointNoGuessYet => "Choose what you expect; the answer shows at {0}.",
        "예상하는 것을 고르세요. 답은 {0}에 나옵니다.";
    CheckpointHappened => "What happened: {0}", "실제 결과: {0}";
    CheckpointNothingMatched => "What happened: none of the choices (this run went another way).",
        "실제 결과: 어느 보기도 아님 (이 실행은 다르게 흘러갔습니다).";
    CheckpointRight => "Your guess was right.", "예측이 맞았습니다.";
    CheckpointWrong => "You guessed: {0}.", "내 예측: {0} (틀림).";
    CheckpointNoGuess => "You did not guess.", "예측하지 않았습니다.";
    CheckpointShowProof => "Show the proof", "증거 보기";
    CheckpointProofRecord => "Proof: record #{0} at {1} (selected in the event list)",
        "증거: {1}의 기록 #{0} (이벤트 목록에서 선택됨)";
    CheckpointProofRow => "Proof: {0}", "증거: {0}";
    PacketLog => "Packet log", "패킷 로그";

    // The narrated tour.
    Tour => "Tour", "투어";
    TourTitle => "Play the story stop by stop, with captions", "자막과 함께 이야기를 한 단계씩 재생";
    TourConcealed => "The tour tells who answers for the VIP: it opens once you have found it",
        "투어는 VIP에 누가 응답하는지 알려 줍니다: 직접 찾은 뒤에 열립니다";
    TourLabel => "Narrated tour", "해설 투어";
    TourNext => "Next", "다음";
    TourEnd => "End tour", "투어 끝내기";
    TourSpeak => "Read aloud", "소리 내어 읽기";
    TourStopOf => "Stop {0} of {1} · {2}", "{1}개 중 {0}번째 · {2}";
    TourPointsAt => "Look at {0}", "{0}을(를) 보세요";
    TourKeys => "Space: next · Esc: end", "Space: 다음 · Esc: 끝내기";
}

<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko">
<context>
    <name></name>
    <message>
        <source>cannot fetch the JWK Set: {error}</source>
        <translation>JWK Set을 가져올 수 없습니다: {error}</translation>
    </message>
    <message>
        <source>the JWK Set is not a JSON object</source>
        <translation>JWK Set이 JSON 객체가 아닙니다</translation>
    </message>
    <message>
        <source>no scenarios found: the built-in library is missing from this installation</source>
        <translation>시나리오가 없습니다: 이 설치에 내장 시나리오 모음이 빠져 있습니다</translation>
    </message>
    <message>
        <source>(invalid: {error})</source>
        <translation>(잘못됨: {error})</translation>
    </message>
    <message>
        <source>name scenarios or files, or give --all</source>
        <translation>시나리오 이름이나 파일을 주거나 --all을 쓰세요</translation>
    </message>
    <message>
        <source>--server needs --admin-key</source>
        <translation>--server에는 --admin-key가 필요합니다</translation>
    </message>
    <message>
        <source>invalid scenario: {error}</source>
        <translation>잘못된 시나리오: {error}</translation>
    </message>
    <message>
        <source>{passed}/{n} scenarios passed</source>
        <translation>시나리오 {n}개 중 {passed}개 통과</translation>
    </message>
    <message>
        <source>there is no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set). Run it in a desktop session; on a server, try `jwt-lab scenario run --all`, or render the window to a file with `QT_QPA_PLATFORM=offscreen jwt-lab gui --demo --screenshot window.png`.</source>
        <translation>창을 띄울 디스플레이가 없습니다(DISPLAY도 WAYLAND_DISPLAY도 설정되지 않았습니다). 데스크톱 세션에서 실행하세요. 서버에서는 `jwt-lab scenario run --all`을 쓰거나, `QT_QPA_PLATFORM=offscreen jwt-lab gui --demo --screenshot window.png`로 창을 파일로 그릴 수 있습니다.</translation>
    </message>
    <message>
        <source>Living room TV</source>
        <translation>거실 TV</translation>
    </message>
    <message>
        <source>Alice&apos;s phone</source>
        <translation>앨리스의 휴대폰</translation>
    </message>
    <message>
        <source>Office PC</source>
        <translation>사무실 PC</translation>
    </message>
    <message>
        <source>The embedded server could not start: {error}</source>
        <translation>내장 서버를 시작하지 못했습니다: {error}</translation>
    </message>
    <message>
        <source>JWT Device Lab is already open</source>
        <translation>JWT Device Lab이 이미 열려 있습니다</translation>
    </message>
    <message>
        <source>ACTIVE</source>
        <translation>활성</translation>
    </message>
    <message>
        <source>SIGNED OUT</source>
        <translation>로그아웃됨</translation>
    </message>
    <message>
        <source>SIGNING IN</source>
        <translation>로그인 중</translation>
    </message>
    <message>
        <source>REFRESHING</source>
        <translation>갱신 중</translation>
    </message>
    <message>
        <source>OFFLINE</source>
        <translation>오프라인</translation>
    </message>
    <message>
        <source>REVOKED</source>
        <translation>폐기됨</translation>
    </message>
    <message>
        <source>EXPIRED</source>
        <translation>만료됨</translation>
    </message>
    <message>
        <source>WAITING FOR APPROVAL</source>
        <translation>승인 대기 중</translation>
    </message>
    <message>
        <source>mobile</source>
        <translation>휴대폰</translation>
    </message>
    <message>
        <source>pc</source>
        <translation>PC</translation>
    </message>
    <message>
        <source>web</source>
        <translation>웹</translation>
    </message>
    <message>
        <source>tv</source>
        <translation>TV</translation>
    </message>
    <message>
        <source>Revoked at {at}{why} — refused from now on (stateful checks)</source>
        <translation>{at}에 폐기됨{why} — 이제부터 거부됩니다(상태 기반 검증)</translation>
    </message>
    <message>
        <source>Revoked at {at}{why} — still accepted (stateless) for {s} s</source>
        <translation>{at}에 폐기됨{why} — 앞으로 {s}초 동안 여전히 통과합니다(무상태 검증)</translation>
    </message>
    <message>
        <source>Revoked at {at}{why} — its access token has expired: the next call is refused</source>
        <translation>{at}에 폐기됨{why} — 액세스 토큰이 만료되어 다음 호출은 거부됩니다</translation>
    </message>
    <message>
        <source>DPoP-bound</source>
        <translation>DPoP 바인딩</translation>
    </message>
    <message>
        <source>Access token</source>
        <translation>액세스 토큰</translation>
    </message>
    <message>
        <source>Refresh token</source>
        <translation>리프레시 토큰</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Enter this code on your phone or PC:</source>
        <translation>휴대폰이나 PC에서 이 코드를 입력하세요:</translation>
    </message>
    <message>
        <source>Approve TV sign-in…</source>
        <translation>TV 로그인 승인…</translation>
    </message>
    <message>
        <source>No request yet</source>
        <translation>아직 요청 없음</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>로그인</translation>
    </message>
    <message>
        <source>Call API</source>
        <translation>API 호출</translation>
    </message>
    <message>
        <source>Auto</source>
        <translation>자동</translation>
    </message>
    <message>
        <source>Call the API automatically</source>
        <translation>API를 자동으로 호출</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>끄기</translation>
    </message>
    <message>
        <source>Every {s} s</source>
        <translation>{s}초마다</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>로그아웃</translation>
    </message>
    <message>
        <source>Inspect</source>
        <translation>검사</translation>
    </message>
    <message>
        <source>Decode the tokens and check their signature</source>
        <translation>토큰을 디코딩하고 서명을 확인합니다</translation>
    </message>
    <message>
        <source>Sign out other devices</source>
        <translation>다른 기기 로그아웃</translation>
    </message>
    <message>
        <source>Steal its access token</source>
        <translation>액세스 토큰 훔치기</translation>
    </message>
    <message>
        <source>A thief copies the access token (and the last DPoP proof) and tries it on the API</source>
        <translation>도둑이 액세스 토큰(과 마지막 DPoP 증명)을 복사해 API에 써 봅니다</translation>
    </message>
    <message>
        <source>Hear sign-outs at once</source>
        <translation>로그아웃을 바로 듣기</translation>
    </message>
    <message>
        <source>Keep GET /api/notifications open: the server tells this device the moment its session ends. Off: it learns only when a call or a refresh is refused, as the seed&apos;s devices did</source>
        <translation>GET /api/notifications를 열어 둡니다: 세션이 끝나는 순간 서버가 이 기기에 알립니다. 끄면 원문의 기기처럼 호출이나 갱신이 거절될 때에야 압니다</translation>
    </message>
    <message>
        <source>Remove device</source>
        <translation>기기 삭제</translation>
    </message>
    <message>
        <source>Sign in again</source>
        <translation>다시 로그인</translation>
    </message>
    <message>
        <source>Played by the scenario</source>
        <translation>시나리오가 조작하는 기기</translation>
    </message>
    <message>
        <source>Waiting for approval: {names}</source>
        <translation>승인 대기 중: {names}</translation>
    </message>
    <message>
        <source>at {uri} · expires in {left}</source>
        <translation>{uri} · {left} 후 만료</translation>
    </message>
    <message>
        <source>{type} · {user} · clock {offset} s</source>
        <translation>{type} · {user} · 시계 {offset}초</translation>
    </message>
    <message>
        <source> · listening</source>
        <translation> · 수신 중</translation>
    </message>
    <message>
        <source>Listening: the server will tell it the moment its session ends</source>
        <translation>수신 중: 세션이 끝나는 순간 서버가 알려 줍니다</translation>
    </message>
    <message>
        <source>Tokens bound to this device&apos;s key {jkt} (DPoP, RFC 9449)</source>
        <translation>이 기기의 키 {jkt}에 묶인 토큰 (DPoP, RFC 9449)</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>실패</translation>
    </message>
    <message>
        <source> (401 → refresh → retry)</source>
        <translation> (401 → 갱신 → 재시도)</translation>
    </message>
    <message>
        <source>Last: {method} {path} → {outcome} · {when}</source>
        <translation>최근: {method} {path} → {outcome} · {when}</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>휴대폰</translation>
    </message>
    <message>
        <source>PC</source>
        <translation>PC</translation>
    </message>
    <message>
        <source>Tablet</source>
        <translation>태블릿</translation>
    </message>
    <message>
        <source>Browser</source>
        <translation>브라우저</translation>
    </message>
    <message>
        <source>TV</source>
        <translation>TV</translation>
    </message>
    <message>
        <source>Browser — code + PKCE (how apps sign in today)</source>
        <translation>브라우저 — 코드 + PKCE (요즘 앱의 로그인 방식)</translation>
    </message>
    <message>
        <source>Device code — approve on another device (TVs)</source>
        <translation>디바이스 코드 — 다른 기기에서 승인 (TV)</translation>
    </message>
    <message>
        <source>Password — legacy, removed in OAuth 2.1</source>
        <translation>비밀번호 — 레거시, OAuth 2.1에서 제거됨</translation>
    </message>
    <message>
        <source>Sign in — {device}</source>
        <translation>로그인 — {device}</translation>
    </message>
    <message>
        <source>Demo users: alice / alice-pass, bob / bob-pass</source>
        <translation>데모 사용자: alice / alice-pass, bob / bob-pass</translation>
    </message>
    <message>
        <source>Sign in with</source>
        <translation>로그인 방식</translation>
    </message>
    <message>
        <source>User</source>
        <translation>사용자</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>비밀번호</translation>
    </message>
    <message>
        <source>Bind the tokens to a key this device keeps (DPoP)</source>
        <translation>이 기기가 보관하는 키에 토큰을 묶기 (DPoP)</translation>
    </message>
    <message>
        <source>RFC 9449: every request carries a proof signed with the device&apos;s key, kept in the OS keyring; a stolen token is useless without it</source>
        <translation>RFC 9449: 모든 요청에 OS 키링에 보관된 기기 키로 서명한 증명이 붙습니다. 훔친 토큰은 이 키 없이는 쓸모가 없습니다</translation>
    </message>
    <message>
        <source>The server&apos;s sign-in page opens in your browser; it comes back to the lab with a one-time code that only this device can exchange (PKCE).</source>
        <translation>서버의 로그인 페이지가 브라우저에서 열리고, 이 기기만 교환할 수 있는 일회용 코드(PKCE)와 함께 랩으로 돌아옵니다.</translation>
    </message>
    <message>
        <source>The device shows a code; approve it on another device with “Approve TV sign-in”, or at the address it shows.</source>
        <translation>기기가 코드를 보여 줍니다. 다른 기기에서 ‘TV 로그인 승인’으로, 또는 표시된 주소에서 승인하세요.</translation>
    </message>
    <message>
        <source>The device sends the password itself: the legacy grant that OAuth 2.1 removes. Still here to compare.</source>
        <translation>기기가 비밀번호를 직접 보냅니다: OAuth 2.1이 없앤 레거시 그랜트입니다. 비교를 위해 남겨 두었습니다.</translation>
    </message>
    <message>
        <source>Approve TV sign-in — {device}</source>
        <translation>TV 로그인 승인 — {device}</translation>
    </message>
    <message>
        <source>{device} shows the code {code}. Approve it as {user}?</source>
        <translation>{device}에 코드 {code}가 표시되어 있습니다. {user}(으)로 승인할까요?</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>승인</translation>
    </message>
    <message>
        <source>Deny</source>
        <translation>거부</translation>
    </message>
    <message>
        <source>Add a device</source>
        <translation>기기 추가</translation>
    </message>
    <message>
        <source>Simulate a device whose clock runs ahead (+) or behind (−)</source>
        <translation>시계가 빠르거나(+) 느린(−) 기기를 흉내 냅니다</translation>
    </message>
    <message>
        <source>Refresh this long before the access token expires; 0 waits for the 401</source>
        <translation>액세스 토큰 만료 이만큼 전에 갱신합니다. 0이면 401을 받을 때까지 기다립니다</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Clock offset</source>
        <translation>시계 오차</translation>
    </message>
    <message>
        <source>Refresh margin</source>
        <translation>갱신 여유</translation>
    </message>
    <message>
        <source>A device needs a user</source>
        <translation>기기에는 사용자가 필요합니다</translation>
    </message>
    <message>
        <source>Add a resource server</source>
        <translation>리소스 서버 추가</translation>
    </message>
    <message>
        <source>How long an introspection answer is reused (0: ask every time)</source>
        <translation>인트로스펙션 답을 다시 쓰는 시간 (0: 매번 묻기)</translation>
    </message>
    <message>
        <source>Introspection cache</source>
        <translation>인트로스펙션 캐시</translation>
    </message>
    <message>
        <source>A name is 1-64 letters, digits and . _ -</source>
        <translation>이름은 1~64자의 글자, 숫자, . _ - 입니다</translation>
    </message>
    <message>
        <source>There is already a resource server {name!r}</source>
        <translation>리소스 서버 {name!r}이(가) 이미 있습니다</translation>
    </message>
    <message>
        <source>&lt;b&gt;Lifetime:&lt;/b&gt; no exp claim</source>
        <translation>&lt;b&gt;유효 기간:&lt;/b&gt; exp 클레임 없음</translation>
    </message>
    <message>
        <source>&lt;b&gt;Lifetime:&lt;/b&gt; expired {when}</source>
        <translation>&lt;b&gt;유효 기간:&lt;/b&gt; {when} 만료됨</translation>
    </message>
    <message>
        <source>&lt;b&gt;Lifetime:&lt;/b&gt; valid, expires {when}</source>
        <translation>&lt;b&gt;유효 기간:&lt;/b&gt; 유효, {when} 만료</translation>
    </message>
    <message>
        <source>not checked: the server that signed it is gone (its scenario has ended)</source>
        <translation>확인하지 않음: 서명한 서버가 사라졌습니다(시나리오가 끝났습니다)</translation>
    </message>
    <message>
        <source>access token</source>
        <translation>액세스 토큰</translation>
    </message>
    <message>
        <source>refresh token</source>
        <translation>리프레시 토큰</translation>
    </message>
    <message>
        <source>last DPoP proof</source>
        <translation>마지막 DPoP 증명</translation>
    </message>
    <message>
        <source>Token inspector — {device}</source>
        <translation>토큰 검사기 — {device}</translation>
    </message>
    <message>
        <source>Not a JWT: {error}</source>
        <translation>JWT가 아닙니다: {error}</translation>
    </message>
    <message>
        <source>token family</source>
        <translation>토큰 계보</translation>
    </message>
    <message>
        <source>The server&apos;s record of this session could not be read.</source>
        <translation>이 세션에 대한 서버 기록을 읽지 못했습니다.</translation>
    </message>
    <message>
        <source>Session {sid}… of {user} on {device}, signed in at {at}: {n} refresh token(s). Each refresh retires the token it used and issues its successor.</source>
        <translation>{device}에서 {at}에 로그인한 {user}의 세션 {sid}…: 리프레시 토큰 {n}개. 갱신할 때마다 사용한 토큰은 폐기되고 후속 토큰이 발급됩니다.</translation>
    </message>
    <message>
        <source>issued</source>
        <translation>발급</translation>
    </message>
    <message>
        <source>why</source>
        <translation>이유</translation>
    </message>
    <message>
        <source>then</source>
        <translation>이후</translation>
    </message>
    <message>
        <source>&lt;b&gt;Ended:&lt;/b&gt; {end}</source>
        <translation>&lt;b&gt;종료:&lt;/b&gt; {end}</translation>
    </message>
    <message>
        <source>&lt;b&gt;Signature:&lt;/b&gt; {status}</source>
        <translation>&lt;b&gt;서명:&lt;/b&gt; {status}</translation>
    </message>
    <message>
        <source>Show the token itself</source>
        <translation>토큰 원문 보기</translation>
    </message>
    <message>
        <source>Copy token</source>
        <translation>토큰 복사</translation>
    </message>
    <message>
        <source>All</source>
        <translation>전체</translation>
    </message>
    <message>
        <source>time</source>
        <translation>시각</translation>
    </message>
    <message>
        <source>source</source>
        <translation>출처</translation>
    </message>
    <message>
        <source>kind</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>what happened</source>
        <translation>일어난 일</translation>
    </message>
    <message>
        <source>signed out</source>
        <translation>로그아웃됨</translation>
    </message>
    <message>
        <source>signing in</source>
        <translation>로그인 중</translation>
    </message>
    <message>
        <source>active</source>
        <translation>활성</translation>
    </message>
    <message>
        <source>refreshing</source>
        <translation>갱신 중</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>오프라인</translation>
    </message>
    <message>
        <source>before the access token expired</source>
        <translation>액세스 토큰이 만료되기 전에</translation>
    </message>
    <message>
        <source>after the API refused the access token (401)</source>
        <translation>API가 액세스 토큰을 거부한 뒤(401)</translation>
    </message>
    <message>
        <source>again within the reuse grace period</source>
        <translation>재사용 유예 시간 안에 다시</translation>
    </message>
    <message>
        <source>Signed out</source>
        <translation>로그아웃됨</translation>
    </message>
    <message>
        <source>Signed in</source>
        <translation>로그인함</translation>
    </message>
    <message>
        <source>Offline: the server cannot be reached; it will retry</source>
        <translation>오프라인: 서버에 연결할 수 없습니다. 다시 시도합니다</translation>
    </message>
    <message>
        <source>Refreshing its tokens</source>
        <translation>토큰을 갱신하는 중</translation>
    </message>
    <message>
        <source>Now {state} (was {old})</source>
        <translation>이제 {state} (이전: {old})</translation>
    </message>
    <message>
        <source>Got its tokens at sign-in</source>
        <translation>로그인하여 토큰을 받음</translation>
    </message>
    <message>
        <source>Signed in with the password grant (legacy)</source>
        <translation>비밀번호 그랜트로 로그인함 (레거시)</translation>
    </message>
    <message>
        <source>Signed in through the browser (code + PKCE)</source>
        <translation>브라우저로 로그인함 (코드 + PKCE)</translation>
    </message>
    <message>
        <source>Signed in: approved on another device (device grant)</source>
        <translation>로그인함: 다른 기기에서 승인됨 (디바이스 그랜트)</translation>
    </message>
    <message>
        <source>Took its tokens back from the store</source>
        <translation>저장소에서 토큰을 되찾음</translation>
    </message>
    <message>
        <source>Refreshed its tokens {why}</source>
        <translation>{why} 토큰을 갱신함</translation>
    </message>
    <message>
        <source> (the same pair came again within the grace period)</source>
        <translation> (유예 시간 안이라 같은 토큰 쌍을 다시 받음)</translation>
    </message>
    <message>
        <source>Shows code {code}: approve it at {uri}</source>
        <translation>코드 {code} 표시: {uri}에서 승인하세요</translation>
    </message>
    <message>
        <source>Calls {method} {path}</source>
        <translation>{method} {path} 호출</translation>
    </message>
    <message>
        <source>{method} {path} failed: {error}</source>
        <translation>{method} {path} 실패: {error}</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>응답 없음</translation>
    </message>
    <message>
        <source>{method} {path} answered {status}</source>
        <translation>{method} {path} 응답 {status}</translation>
    </message>
    <message>
        <source> after a refresh and a retry</source>
        <translation> (갱신 후 재시도)</translation>
    </message>
    <message>
        <source>The API refused the access token on {path} (401: {reason})</source>
        <translation>API가 {path}에서 액세스 토큰을 거부함 (401: {reason})</translation>
    </message>
    <message>
        <source>A thief copied its access token ({fp}) and its last DPoP proof: the token is bound to this device&apos;s key</source>
        <translation>도둑이 액세스 토큰({fp})과 마지막 DPoP 증명을 복사함: 이 토큰은 이 기기의 키에 묶여 있습니다</translation>
    </message>
    <message>
        <source>A thief copied its access token ({fp}): a bearer token</source>
        <translation>도둑이 액세스 토큰({fp})을 복사함: Bearer 토큰입니다</translation>
    </message>
    <message>
        <source>The thief got in with the stolen token ({how}): 200</source>
        <translation>도둑이 훔친 토큰으로 들어감 ({how}): 200</translation>
    </message>
    <message>
        <source>The thief was refused ({how}): {reason}</source>
        <translation>도둑이 거부됨 ({how}): {reason}</translation>
    </message>
    <message>
        <source>API {api} still takes the revoked token (200), {after} s after the revocation</source>
        <translation>API {api}가 폐기된 토큰을 아직 받아들입니다 (200), 폐기 {after}초 후</translation>
    </message>
    <message>
        <source>API {api} does not answer</source>
        <translation>API {api}가 응답하지 않습니다</translation>
    </message>
    <message>
        <source>API {api} answered {status}</source>
        <translation>API {api}가 {status}로 답했습니다</translation>
    </message>
    <message>
        <source>API {api} refuses the revoked token ({reason}), {after} s after the revocation</source>
        <translation>API {api}가 폐기된 토큰을 거절합니다 ({reason}), 폐기 {after}초 후</translation>
    </message>
    <message>
        <source>Told at once by the server (no call needed): {message}</source>
        <translation>서버가 바로 알림 (호출 없이): {message}</translation>
    </message>
    <message>
        <source>as a bearer token</source>
        <translation>Bearer 토큰으로</translation>
    </message>
    <message>
        <source>with a proof of its own key</source>
        <translation>자기 키로 만든 증명으로</translation>
    </message>
    <message>
        <source>with the copied proof</source>
        <translation>복사한 증명으로</translation>
    </message>
    <message>
        <source>{user} signed in on {device}</source>
        <translation>{user}이(가) {device}에서 로그인함</translation>
    </message>
    <message>
        <source>, ending {n} other session(s) ({policy})</source>
        <translation>, 다른 세션 {n}개 종료 ({policy})</translation>
    </message>
    <message>
        <source>{device} refreshed its tokens (the old refresh token is retired)</source>
        <translation>{device}이(가) 토큰을 갱신함 (이전 리프레시 토큰은 폐기됨)</translation>
    </message>
    <message>
        <source>{device} presented a just-retired refresh token within the grace period: it got the same new pair</source>
        <translation>{device}이(가) 방금 폐기된 리프레시 토큰을 유예 시간 안에 다시 제시함: 같은 새 토큰 쌍을 받음</translation>
    </message>
    <message>
        <source>A refresh token of {device} retired {ago} s ago was presented again: possible theft, the whole session is revoked</source>
        <translation>{ago}초 전에 폐기된 {device}의 리프레시 토큰이 다시 제시됨: 탈취 가능성이 있어 세션 전체를 폐기함</translation>
    </message>
    <message>
        <source>The session of {device} ended: {reason}</source>
        <translation>{device}의 세션이 끝남: {reason}</translation>
    </message>
    <message>
        <source>An administrator forced {n} session(s) to expire</source>
        <translation>관리자가 세션 {n}개를 강제 만료함</translation>
    </message>
    <message>
        <source>The API refused a token: {reason}</source>
        <translation>API가 토큰을 거부함: {reason}</translation>
    </message>
    <message>
        <source>The API accepted the access token of a revoked session (stateless: it cannot know) — {device}</source>
        <translation>API가 폐기된 세션의 액세스 토큰을 통과시킴(무상태 검증은 알 수 없음) — {device}</translation>
    </message>
    <message>
        <source>{user}: wrong username or password</source>
        <translation>{user}: 사용자 이름 또는 비밀번호가 틀림</translation>
    </message>
    <message>
        <source>{user}: too many sign-ins, wait {s} s</source>
        <translation>{user}: 로그인 시도가 너무 많음, {s}초 기다리세요</translation>
    </message>
    <message>
        <source>{user}&apos;s sign-in on {device} was refused ({policy})</source>
        <translation>{device}에서 {user}의 로그인이 거부됨 ({policy})</translation>
    </message>
    <message>
        <source>New signing key {kid}… ({alg})</source>
        <translation>새 서명 키 {kid}… ({alg})</translation>
    </message>
    <message>
        <source>Signing key {kid}… retired</source>
        <translation>서명 키 {kid}… 폐기됨</translation>
    </message>
    <message>
        <source>Settings changed: {changes}</source>
        <translation>설정 변경: {changes}</translation>
    </message>
    <message>
        <source>The clock moved {s} s forward</source>
        <translation>시계가 {s}초 앞으로 감</translation>
    </message>
    <message>
        <source>The clock now runs at {rate}×</source>
        <translation>이제 시계가 {rate}배속으로 흐름</translation>
    </message>
    <message>
        <source>The server started ({issuer})</source>
        <translation>서버 시작 ({issuer})</translation>
    </message>
    <message>
        <source>User {user} saved</source>
        <translation>사용자 {user} 저장됨</translation>
    </message>
    <message>
        <source>User {user} deleted</source>
        <translation>사용자 {user} 삭제됨</translation>
    </message>
    <message>
        <source>a newer sign-in replaced it</source>
        <translation>더 새로운 로그인이 대신함</translation>
    </message>
    <message>
        <source>an administrator ended it</source>
        <translation>관리자가 종료함</translation>
    </message>
    <message>
        <source>a refresh token was used twice</source>
        <translation>리프레시 토큰이 두 번 사용됨</translation>
    </message>
    <message>
        <source>it expired</source>
        <translation>만료됨</translation>
    </message>
    <message>
        <source>its signing key was retired</source>
        <translation>서명 키가 폐기됨</translation>
    </message>
    <message>
        <source>its tokens could not be kept</source>
        <translation>토큰을 보관할 수 없었음</translation>
    </message>
    <message>
        <source>Find in the log (Ctrl+F)</source>
        <translation>로그에서 찾기 (Ctrl+F)</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>출처</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>Play the scenario in a lab of its own, on a server of its own: your devices, sessions and settings are not touched</source>
        <translation>시나리오를 전용 랩과 전용 서버에서 재생합니다. 내 기기, 세션, 설정은 건드리지 않습니다</translation>
    </message>
    <message>
        <source>JWT Device Lab</source>
        <translation>JWT Device Lab</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>타임라인</translation>
    </message>
    <message>
        <source>Event log</source>
        <translation>이벤트 로그</translation>
    </message>
    <message>
        <source>Lab</source>
        <translation>랩</translation>
    </message>
    <message>
        <source>+ Phone</source>
        <translation>+ 휴대폰</translation>
    </message>
    <message>
        <source>+ PC</source>
        <translation>+ PC</translation>
    </message>
    <message>
        <source>+ Tablet</source>
        <translation>+ 태블릿</translation>
    </message>
    <message>
        <source>+ TV</source>
        <translation>+ TV</translation>
    </message>
    <message>
        <source>Scenario</source>
        <translation>시나리오</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>열기…</translation>
    </message>
    <message>
        <source>▶ Play</source>
        <translation>▶ 재생</translation>
    </message>
    <message>
        <source>■ Stop</source>
        <translation>■ 정지</translation>
    </message>
    <message>
        <source>Back to my devices</source>
        <translation>내 기기로 돌아가기</translation>
    </message>
    <message>
        <source>Clock speed</source>
        <translation>시계 속도</translation>
    </message>
    <message>
        <source>Stop the clock: tokens neither age nor expire</source>
        <translation>시계 정지: 토큰이 늙지도 만료되지도 않습니다</translation>
    </message>
    <message>
        <source>The clock of an external server is its own</source>
        <translation>외부 서버의 시계는 그 서버가 정합니다</translation>
    </message>
    <message>
        <source>Continue with memory-only tokens</source>
        <translation>메모리에만 토큰 보관하고 계속</translation>
    </message>
    <message>
        <source>Retry keyring</source>
        <translation>키링 다시 시도</translation>
    </message>
    <message>
        <source>&lt;b&gt;Opening the OS keyring…&lt;/b&gt; If your desktop asks to unlock it, answer there; the devices appear once it opens — or continue without it.</source>
        <translation>&lt;b&gt;OS 키링을 여는 중…&lt;/b&gt; 데스크톱이 잠금 해제를 묻는다면 거기서 답하세요. 키링이 열리면 기기가 나타납니다. 키링 없이 계속할 수도 있습니다.</translation>
    </message>
    <message>
        <source>&lt;b&gt;The OS keyring is unavailable.&lt;/b&gt; {problem} Devices cannot keep tokens until you choose.</source>
        <translation>&lt;b&gt;OS 키링을 쓸 수 없습니다.&lt;/b&gt; {problem} 선택할 때까지 기기는 토큰을 보관할 수 없습니다.</translation>
    </message>
    <message>
        <source>&lt;b&gt;The server cannot be followed.&lt;/b&gt; {status}. Retrying with a growing pause; the settings shown are the last ones read.</source>
        <translation>&lt;b&gt;서버를 따라갈 수 없습니다.&lt;/b&gt; {status}. 간격을 늘려 가며 다시 시도합니다. 보이는 설정은 마지막으로 읽은 값입니다.</translation>
    </message>
    <message>
        <source>Copy admin key</source>
        <translation>관리자 키 복사</translation>
    </message>
    <message>
        <source>The admin key ({key}), for curl, the CLI or another console</source>
        <translation>관리자 키({key}) — curl, CLI 또는 다른 콘솔용</translation>
    </message>
    <message>
        <source>embedded server</source>
        <translation>내장 서버</translation>
    </message>
    <message>
        <source>The embedded server at {url} (runs inside this app)</source>
        <translation>{url}의 내장 서버 (이 앱 안에서 실행)</translation>
    </message>
    <message>
        <source>external server</source>
        <translation>외부 서버</translation>
    </message>
    <message>
        <source>The external server at {url}</source>
        <translation>{url}의 외부 서버</translation>
    </message>
    <message>
        <source>Stop the scenario first: the window is rebuilt</source>
        <translation>먼저 시나리오를 정지하세요. 창을 다시 만듭니다</translation>
    </message>
    <message>
        <source>keyring unavailable</source>
        <translation>키링 사용 불가</translation>
    </message>
    <message>
        <source>memory only</source>
        <translation>메모리만</translation>
    </message>
    <message>
        <source>Tokens: {where} ·</source>
        <translation>토큰: {where} ·</translation>
    </message>
    <message>
        <source>Tokens: {where}</source>
        <translation>토큰: {where}</translation>
    </message>
    <message>
        <source>Force-expire sessions</source>
        <translation>세션 강제 만료</translation>
    </message>
    <message>
        <source>End every session of {user} now? Their devices are signed out at their next refresh (at once under stateful checks).</source>
        <translation>{user}의 모든 세션을 지금 끝낼까요? 해당 기기는 다음 갱신 때 로그아웃됩니다(상태 기반 검증에서는 즉시).</translation>
    </message>
    <message>
        <source>Force-expire</source>
        <translation>강제 만료</translation>
    </message>
    <message>
        <source>Revoke the session</source>
        <translation>세션 폐기</translation>
    </message>
    <message>
        <source>End this session now? Its device is signed out.</source>
        <translation>이 세션을 지금 끝낼까요? 해당 기기는 로그아웃됩니다.</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>폐기</translation>
    </message>
    <message>
        <source>Remove the device</source>
        <translation>기기 삭제</translation>
    </message>
    <message>
        <source>Remove {name}? It is signed out and its tokens are deleted.</source>
        <translation>{name}을(를) 삭제할까요? 로그아웃되고 토큰이 지워집니다.</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>삭제</translation>
    </message>
    <message>
        <source>No device to act on: add one first</source>
        <translation>작업할 기기가 없습니다. 먼저 기기를 추가하세요</translation>
    </message>
    <message>
        <source>The scenario drives its devices; you can inspect them</source>
        <translation>시나리오가 자기 기기를 조작합니다. 검사만 할 수 있습니다</translation>
    </message>
    <message>
        <source>Server · the scenario&apos;s own ({name})</source>
        <translation>서버 · 시나리오 전용 ({name})</translation>
    </message>
    <message>
        <source>1 device</source>
        <translation>기기 1대</translation>
    </message>
    <message>
        <source>{n} devices</source>
        <translation>기기 {n}대</translation>
    </message>
    <message>
        <source>1 active session</source>
        <translation>활성 세션 1개</translation>
    </message>
    <message>
        <source>{n} active sessions</source>
        <translation>활성 세션 {n}개</translation>
    </message>
    <message>
        <source>About JWT Device Lab</source>
        <translation>JWT Device Lab 정보</translation>
    </message>
    <message>
        <source>&lt;b&gt;JWT Device Lab&lt;/b&gt; {version}&lt;br&gt;Devices that sign in to a bundled OAuth 2.0 server, so that JWT&apos;s trade-offs can be seen, tested and measured.</source>
        <translation>&lt;b&gt;JWT Device Lab&lt;/b&gt; {version}&lt;br&gt;내장 OAuth 2.0 서버에 로그인하는 기기들로 JWT의 트레이드오프를 보고, 시험하고, 측정합니다.</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>{path}에 저장함</translation>
    </message>
    <message>
        <source>Export the event log</source>
        <translation>이벤트 로그 내보내기</translation>
    </message>
    <message>
        <source>Exporting the event log</source>
        <translation>이벤트 로그 내보내는 중</translation>
    </message>
    <message>
        <source>Export the timeline</source>
        <translation>타임라인 내보내기</translation>
    </message>
    <message>
        <source>JWT Device Lab timeline</source>
        <translation>JWT Device Lab 타임라인</translation>
    </message>
    <message>
        <source>Exporting the timeline</source>
        <translation>타임라인 내보내는 중</translation>
    </message>
    <message>
        <source>Play a scenario first: its report is exported</source>
        <translation>먼저 시나리오를 재생하세요. 그 보고서를 내보냅니다</translation>
    </message>
    <message>
        <source>Export the scenario report</source>
        <translation>시나리오 보고서 내보내기</translation>
    </message>
    <message>
        <source>Exporting the scenario report</source>
        <translation>시나리오 보고서 내보내는 중</translation>
    </message>
    <message>
        <source>The clock speed is set on the external server itself</source>
        <translation>시계 속도는 외부 서버에서 직접 정합니다</translation>
    </message>
    <message>
        <source>Open a scenario</source>
        <translation>시나리오 열기</translation>
    </message>
    <message>
        <source>Scenarios (*.toml)</source>
        <translation>시나리오 (*.toml)</translation>
    </message>
    <message>
        <source>{description} — playing in a lab of its own on a server of its own; your devices, sessions and settings are untouched.</source>
        <translation>{description} — 전용 랩과 전용 서버에서 재생 중입니다. 내 기기, 세션, 설정은 그대로입니다.</translation>
    </message>
    <message>
        <source>Stop the scenario (its lab is kept for you to look at)</source>
        <translation>시나리오 정지 (랩은 살펴볼 수 있게 남겨 둡니다)</translation>
    </message>
    <message>
        <source>{mark} {key}: expected {expected}, got {actual}</source>
        <translation>{mark} {key}: 기대 {expected}, 실제 {actual}</translation>
    </message>
    <message>
        <source>step {index}: {device} {action} → {outcome} · {held}/{n} expectations held</source>
        <translation>{index}단계: {device} {action} → {outcome} · 기대 {n}개 중 {held}개 충족</translation>
    </message>
    <message>
        <source>stopped after step {n} of {total}</source>
        <translation>{total}단계 중 {n}단계 후 정지함</translation>
    </message>
    <message>
        <source>passed</source>
        <translation>통과</translation>
    </message>
    <message>
        <source>FAILED</source>
        <translation>실패</translation>
    </message>
    <message>
        <source>{device} still accepted for {s} s after revocation</source>
        <translation>{device}: 폐기 후에도 {s}초 동안 통과</translation>
    </message>
    <message>
        <source>{verdict}: {held}/{n} expectations held</source>
        <translation>{verdict}: 기대 {n}개 중 {held}개 충족</translation>
    </message>
    <message>
        <source> · stateless window: {windows}</source>
        <translation> · 무상태 검증의 틈: {windows}</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>파일(&amp;F)</translation>
    </message>
    <message>
        <source>Export the event log (JSON Lines)…</source>
        <translation>이벤트 로그 내보내기 (JSON Lines)…</translation>
    </message>
    <message>
        <source>Export the timeline as PNG…</source>
        <translation>타임라인을 PNG로 내보내기…</translation>
    </message>
    <message>
        <source>Export the timeline as SVG…</source>
        <translation>타임라인을 SVG로 내보내기…</translation>
    </message>
    <message>
        <source>Export the scenario report…</source>
        <translation>시나리오 보고서 내보내기…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>끝내기</translation>
    </message>
    <message>
        <source>&amp;Device</source>
        <translation>기기(&amp;D)</translation>
    </message>
    <message>
        <source>New device…</source>
        <translation>새 기기…</translation>
    </message>
    <message>
        <source>Call the API</source>
        <translation>API 호출</translation>
    </message>
    <message>
        <source>Inspect the tokens</source>
        <translation>토큰 검사</translation>
    </message>
    <message>
        <source>Remove the device…</source>
        <translation>기기 삭제…</translation>
    </message>
    <message>
        <source>&amp;Scenario</source>
        <translation>시나리오(&amp;S)</translation>
    </message>
    <message>
        <source>Play / Stop</source>
        <translation>재생 / 정지</translation>
    </message>
    <message>
        <source>Open a scenario file…</source>
        <translation>시나리오 파일 열기…</translation>
    </message>
    <message>
        <source>&amp;Clock</source>
        <translation>시계(&amp;C)</translation>
    </message>
    <message>
        <source>Stop the clock (0×)</source>
        <translation>시계 정지 (0×)</translation>
    </message>
    <message>
        <source>{n}× speed</source>
        <translation>{n}배속</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>보기(&amp;V)</translation>
    </message>
    <message>
        <source>Find in the event log</source>
        <translation>이벤트 로그에서 찾기</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>도움말(&amp;H)</translation>
    </message>
    <message>
        <source>Sign out the other devices</source>
        <translation>다른 기기 로그아웃</translation>
    </message>
    <message>
        <source>Sign in…</source>
        <translation>로그인…</translation>
    </message>
    <message>
        <source>Revoke this session…</source>
        <translation>이 세션 폐기…</translation>
    </message>
    <message>
        <source>Force-expire every session of {user}…</source>
        <translation>{user}의 모든 세션 강제 만료…</translation>
    </message>
    <message>
        <source>Copy the session id</source>
        <translation>세션 ID 복사</translation>
    </message>
    <message>
        <source>user</source>
        <translation>사용자</translation>
    </message>
    <message>
        <source>device</source>
        <translation>기기</translation>
    </message>
    <message>
        <source>created</source>
        <translation>생성</translation>
    </message>
    <message>
        <source>refreshed</source>
        <translation>갱신</translation>
    </message>
    <message>
        <source>state</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>reason</source>
        <translation>사유</translation>
    </message>
    <message>
        <source>revoked</source>
        <translation>폐기됨</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>만료됨</translation>
    </message>
    <message>
        <source>superseded</source>
        <translation>대체됨</translation>
    </message>
    <message>
        <source>logout</source>
        <translation>로그아웃</translation>
    </message>
    <message>
        <source>forced</source>
        <translation>강제 만료</translation>
    </message>
    <message>
        <source>reuse detected</source>
        <translation>재사용 탐지</translation>
    </message>
    <message>
        <source>refresh expired</source>
        <translation>리프레시 만료</translation>
    </message>
    <message>
        <source>key retired</source>
        <translation>키 폐기</translation>
    </message>
    <message>
        <source>keyring error</source>
        <translation>키링 오류</translation>
    </message>
    <message>
        <source>Server · {url} (embedded)</source>
        <translation>서버 · {url} (내장)</translation>
    </message>
    <message>
        <source>Server · {url}</source>
        <translation>서버 · {url}</translation>
    </message>
    <message>
        <source>stateless</source>
        <translation>무상태</translation>
    </message>
    <message>
        <source>stateful</source>
        <translation>상태 기반</translation>
    </message>
    <message>
        <source>Signature and claims only: a revoked session&apos;s access token keeps working until it expires</source>
        <translation>서명과 클레임만 확인합니다. 폐기된 세션의 액세스 토큰도 만료될 때까지 통과합니다</translation>
    </message>
    <message>
        <source>Also checks the session on every request: revocation is immediate</source>
        <translation>요청마다 세션도 확인합니다. 폐기가 즉시 적용됩니다</translation>
    </message>
    <message>
        <source>Login policy</source>
        <translation>로그인 정책</translation>
    </message>
    <message>
        <source>Verify mode</source>
        <translation>검증 방식</translation>
    </message>
    <message>
        <source>name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>verify mode</source>
        <translation>검증 방식</translation>
    </message>
    <message>
        <source>deny-list</source>
        <translation>거부 목록</translation>
    </message>
    <message>
        <source>last logout token delivered</source>
        <translation>마지막 로그아웃 토큰 전달</translation>
    </message>
    <message>
        <source>Access TTL</source>
        <translation>액세스 TTL</translation>
    </message>
    <message>
        <source>Refresh TTL</source>
        <translation>리프레시 TTL</translation>
    </message>
    <message>
        <source>Leeway</source>
        <translation>허용 오차</translation>
    </message>
    <message>
        <source>Algorithm</source>
        <translation>알고리즘</translation>
    </message>
    <message>
        <source>Rotate key</source>
        <translation>키 교체</translation>
    </message>
    <message>
        <source>A new key signs from now on; tokens of the old key still verify</source>
        <translation>이제부터 새 키로 서명합니다. 이전 키의 토큰도 계속 검증됩니다</translation>
    </message>
    <message>
        <source>Retire old key</source>
        <translation>이전 키 폐기</translation>
    </message>
    <message>
        <source>The oldest key stops verifying: its tokens are refused at once</source>
        <translation>가장 오래된 키로는 더 이상 검증하지 않습니다. 그 키의 토큰은 즉시 거부됩니다</translation>
    </message>
    <message>
        <source>Force-expire user</source>
        <translation>사용자 강제 만료</translation>
    </message>
    <message>
        <source>Revoke selected session</source>
        <translation>선택한 세션 폐기</translation>
    </message>
    <message>
        <source>Sessions</source>
        <translation>세션</translation>
    </message>
    <message>
        <source>Resource servers</source>
        <translation>리소스 서버</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>추가…</translation>
    </message>
    <message>
        <source>Start an API of its own beside the bundled server, verifying tokens one of four ways: watch how long each still takes a revoked token</source>
        <translation>내장 서버 옆에 별도의 API를 띄웁니다. 네 가지 방식 중 하나로 토큰을 검증합니다: 각 방식이 폐기된 토큰을 얼마나 더 받아들이는지 보세요</translation>
    </message>
    <message>
        <source>Run `jwt-lab api` and register it with --resource-server ID:SECRET:URI</source>
        <translation>`jwt-lab api`를 실행하고 --resource-server ID:SECRET:URI로 등록하세요</translation>
    </message>
    <message>
        <source>Revoked sessions it holds now, each until the last token of its session would have expired</source>
        <translation>지금 들고 있는 폐기된 세션 수 — 각각 그 세션의 마지막 토큰이 만료될 때까지 유지</translation>
    </message>
    <message>
        <source>None yet: add one to compare the four ways to verify</source>
        <translation>아직 없습니다: 하나를 추가해 네 가지 검증 방식을 비교해 보세요</translation>
    </message>
    <message>
        <source>Settings not read from the server yet</source>
        <translation>아직 서버에서 설정을 읽지 않았습니다</translation>
    </message>
    <message>
        <source>Signing keys: {n} active · {keys}</source>
        <translation>서명 키: 활성 {n}개 · {keys}</translation>
    </message>
    <message>
        <source>{mode} — not answering</source>
        <translation>{mode} — 응답 없음</translation>
    </message>
    <message>
        <source> · {n} waiting</source>
        <translation> · {n}개 대기</translation>
    </message>
    <message>
        <source>↳ API {name}</source>
        <translation>↳ API {name}</translation>
    </message>
    <message>
        <source>↳ its thief</source>
        <translation>↳ 이 기기의 도둑</translation>
    </message>
    <message>
        <source>revoked but still accepted</source>
        <translation>폐기됐지만 여전히 통과</translation>
    </message>
    <message>
        <source>sign-in</source>
        <translation>로그인</translation>
    </message>
    <message>
        <source>refresh</source>
        <translation>갱신</translation>
    </message>
    <message>
        <source>session ended</source>
        <translation>세션 종료</translation>
    </message>
    <message>
        <source>told by the server</source>
        <translation>서버가 알림</translation>
    </message>
    <message>
        <source>API refuses it</source>
        <translation>API가 거절</translation>
    </message>
    <message>
        <source>stolen token</source>
        <translation>훔친 토큰</translation>
    </message>
    <message>
        <source>thief got in</source>
        <translation>도둑 성공</translation>
    </message>
    <message>
        <source>thief refused</source>
        <translation>도둑 거부됨</translation>
    </message>
    <message>
        <source>now</source>
        <translation>지금</translation>
    </message>
    <message>
        <source>{n} s</source>
        <translation>{n}초</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n}분</translation>
    </message>
    <message>
        <source>{n} h</source>
        <translation>{n}시간</translation>
    </message>
    <message>
        <source>{n} days</source>
        <translation>{n}일</translation>
    </message>
    <message>
        <source>in {span}</source>
        <translation>{span} 후</translation>
    </message>
    <message>
        <source>{span} ago</source>
        <translation>{span} 전</translation>
    </message>
    <message>
        <source>not checked (give --jwks URL or --server URL)</source>
        <translation>확인하지 않음 (--jwks URL이나 --server URL을 주세요)</translation>
    </message>
    <message>
        <source>not a JWT: {error}</source>
        <translation>JWT가 아닙니다: {error}</translation>
    </message>
    <message>
        <source>not checkable: HS256 uses a shared secret that is never published</source>
        <translation>확인할 수 없음: HS256은 공개되지 않는 공유 비밀을 씁니다</translation>
    </message>
    <message>
        <source>not checked: the JWK Set is unusable ({error})</source>
        <translation>확인하지 않음: JWK Set을 쓸 수 없습니다 ({error})</translation>
    </message>
    <message>
        <source>INVALID: no published key has kid {kid!r} (unknown or retired)</source>
        <translation>무효: kid가 {kid!r}인 공개 키가 없습니다 (알 수 없거나 폐기됨)</translation>
    </message>
    <message>
        <source>INVALID: the header says {alg!r} but key {kid} is {algorithm}</source>
        <translation>무효: 헤더는 {alg!r}라고 하지만 키 {kid}는 {algorithm}입니다</translation>
    </message>
    <message>
        <source>INVALID: the signature does not verify under key {kid}</source>
        <translation>무효: 키 {kid}로 서명이 검증되지 않습니다</translation>
    </message>
    <message>
        <source>INVALID: {error}</source>
        <translation>무효: {error}</translation>
    </message>
    <message>
        <source>valid ({algorithm}, key {kid})</source>
        <translation>유효 ({algorithm}, 키 {kid})</translation>
    </message>
    <message>
        <source>lifetime</source>
        <translation>유효 기간</translation>
    </message>
    <message>
        <source>signature</source>
        <translation>서명</translation>
    </message>
    <message>
        <source>note</source>
        <translation>참고</translation>
    </message>
    <message>
        <source>EXPIRED {when}</source>
        <translation>만료됨 {when}</translation>
    </message>
    <message>
        <source>valid, expires {when}</source>
        <translation>유효, {when} 만료</translation>
    </message>
    <message>
        <source>sign-in (password grant, legacy)</source>
        <translation>로그인 (비밀번호 그랜트, 레거시)</translation>
    </message>
    <message>
        <source>sign-in in the browser (code + PKCE)</source>
        <translation>브라우저 로그인 (코드 + PKCE)</translation>
    </message>
    <message>
        <source>sign-in approved on another device (device grant)</source>
        <translation>다른 기기에서 승인한 로그인 (디바이스 그랜트)</translation>
    </message>
    <message>
        <source>restored from the store</source>
        <translation>저장소에서 복원</translation>
    </message>
    <message>
        <source>refreshed before the access token expired</source>
        <translation>액세스 토큰 만료 전에 갱신</translation>
    </message>
    <message>
        <source>refreshed after the API refused the access token (401)</source>
        <translation>API가 액세스 토큰을 거부한 뒤 갱신(401)</translation>
    </message>
    <message>
        <source>, then again within the reuse grace period</source>
        <translation>, 그 뒤 재사용 유예 시간 안에 다시</translation>
    </message>
    <message>
        <source>rotated at {at} → #{n}</source>
        <translation>{at}에 교체 → #{n}</translation>
    </message>
    <message>
        <source>ended with the session</source>
        <translation>세션과 함께 끝남</translation>
    </message>
    <message>
        <source>current (expires at {at})</source>
        <translation>현재 토큰 ({at}에 만료)</translation>
    </message>
    <message>
        <source> — every token of this family is refused from then on, the thief&apos;s and the owner&apos;s</source>
        <translation> — 그때부터 이 계보의 모든 토큰이 거부됩니다. 훔친 쪽의 것도, 주인의 것도</translation>
    </message>
    <message>
        <source> at {time}</source>
        <translation> ({time})</translation>
    </message>
    <message>
        <source>Signed out: you signed in on {kind} &apos;{name}&apos;{at}</source>
        <translation>로그아웃됨: {kind} &apos;{name}&apos;에서 로그인했습니다{at}</translation>
    </message>
    <message>
        <source>Signed out: your account signed in on another device{at}</source>
        <translation>로그아웃됨: 다른 기기에서 계정에 로그인했습니다{at}</translation>
    </message>
    <message>
        <source>Signed out from &apos;{name}&apos;{at}</source>
        <translation>&apos;{name}&apos;에서 로그아웃시킴{at}</translation>
    </message>
    <message>
        <source>Signed out{at}</source>
        <translation>로그아웃됨{at}</translation>
    </message>
    <message>
        <source>Signed out: an administrator ended this session{at}</source>
        <translation>로그아웃됨: 관리자가 이 세션을 끝냈습니다{at}</translation>
    </message>
    <message>
        <source>Signed out: a refresh token of this session was used twice — it may have been stolen, so the server revoked the session{at}</source>
        <translation>로그아웃됨: 이 세션의 리프레시 토큰이 두 번 사용되었습니다. 탈취되었을 수 있어 서버가 세션을 폐기했습니다{at}</translation>
    </message>
    <message>
        <source>Signed out: the session expired; sign in again</source>
        <translation>로그아웃됨: 세션이 만료되었습니다. 다시 로그인하세요</translation>
    </message>
    <message>
        <source>Sign-in refused: the account is already signed in on another device</source>
        <translation>로그인 거부: 이 계정은 이미 다른 기기에서 로그인되어 있습니다</translation>
    </message>
    <message>
        <source>Signed out: the tokens could not be kept in the keyring</source>
        <translation>로그아웃됨: 토큰을 키링에 보관할 수 없었습니다</translation>
    </message>
    <message>
        <source>Signed out: the server retired the key that signed this session</source>
        <translation>로그아웃됨: 서버가 이 세션에 서명한 키를 폐기했습니다</translation>
    </message>
    <message>
        <source>Signed out: the sign-in&apos;s authorization code was presented a second time — it may have been intercepted, so the server revoked the session{at}</source>
        <translation>로그아웃됨: 로그인의 인가 코드가 두 번째로 제시되었습니다. 가로채였을 수 있어 서버가 세션을 폐기했습니다{at}</translation>
    </message>
    <message>
        <source>Signed out ({reason}){at}</source>
        <translation>로그아웃됨 ({reason}){at}</translation>
    </message>
    <message>
        <source>Signed out: {error}</source>
        <translation>로그아웃됨: {error}</translation>
    </message>
    <message>
        <source>Sign-in failed: {error}</source>
        <translation>로그인 실패: {error}</translation>
    </message>
    <message>
        <source>Could not tell the server about the sign-out: {error}</source>
        <translation>로그아웃을 서버에 알리지 못했습니다: {error}</translation>
    </message>
    <message>
        <source>The tokens could not be kept, and the server could not be told to end the session ({error}): it stays active there until it expires</source>
        <translation>토큰을 보관할 수 없었고 서버에 세션 종료도 알리지 못했습니다({error}). 세션은 만료될 때까지 서버에서 활성 상태로 남습니다</translation>
    </message>
    <message>
        <source>Could not clear stored tokens: {error}</source>
        <translation>저장된 토큰을 지우지 못했습니다: {error}</translation>
    </message>
    <message>
        <source>the server failed ({status}); will retry later</source>
        <translation>서버 오류({status}). 나중에 다시 시도합니다</translation>
    </message>
    <message>
        <source>the server was failing; next refresh in {seconds:.0f} s</source>
        <translation>서버 오류가 이어져 {seconds:.0f}초 뒤에 다시 갱신합니다</translation>
    </message>
    <message>
        <source>too many failed sign-ins; try again in {retry_after:.0f} s</source>
        <translation>로그인 실패가 너무 많습니다. {retry_after:.0f}초 뒤에 다시 시도하세요</translation>
    </message>
    <message>
        <source>the token endpoint answered {status} without an OAuth error</source>
        <translation>토큰 엔드포인트가 OAuth 오류 없이 {status}로 응답했습니다</translation>
    </message>
    <message>
        <source>the token endpoint refused the refresh: {description}</source>
        <translation>토큰 엔드포인트가 갱신을 거부했습니다: {description}</translation>
    </message>
    <message>
        <source>the token response is unusable: {problem}</source>
        <translation>토큰 응답을 쓸 수 없습니다: {problem}</translation>
    </message>
    <message>
        <source>revocation failed ({status})</source>
        <translation>폐기 실패 ({status})</translation>
    </message>
    <message>
        <source>no sign-in came back from the browser within {s} s</source>
        <translation>{s}초 안에 브라우저에서 로그인 응답이 돌아오지 않았습니다</translation>
    </message>
    <message>
        <source>the scripted browser found no way on at {url} (HTTP {status})</source>
        <translation>자동 브라우저가 {url}에서 더 진행할 방법을 찾지 못했습니다 (HTTP {status})</translation>
    </message>
    <message>
        <source>the browser&apos;s answer does not belong to this sign-in (state): refused</source>
        <translation>브라우저의 응답이 이 로그인의 것이 아닙니다(state): 거부함</translation>
    </message>
    <message>
        <source>the browser&apos;s answer names issuer {iss!r}, not {issuer!r} (RFC 9207): refused</source>
        <translation>브라우저의 응답이 발급자 {issuer!r}가 아닌 {iss!r}를 가리킵니다 (RFC 9207): 거부함</translation>
    </message>
    <message>
        <source>the server refused the sign-in: {error} ({description})</source>
        <translation>서버가 로그인을 거부했습니다: {error} ({description})</translation>
    </message>
    <message>
        <source>the server publishes no {name}: it does not offer this way to sign in</source>
        <translation>서버에 {name}이(가) 없습니다: 이 로그인 방식을 제공하지 않습니다</translation>
    </message>
    <message>
        <source>{name} cannot approve it: only another device of the same user can</source>
        <translation>{name}에서는 승인할 수 없습니다: 같은 사용자의 다른 기기만 승인할 수 있습니다</translation>
    </message>
    <message>
        <source>the sign-in page said: {text}</source>
        <translation>로그인 페이지의 안내: {text}</translation>
    </message>
    <message>
        <source>the sign-in could not be approved: {text}</source>
        <translation>로그인을 승인할 수 없었습니다: {text}</translation>
    </message>
    <message>
        <source>cannot reach the server at {server}: {what}</source>
        <translation>{server}의 서버에 연결할 수 없습니다: {what}</translation>
    </message>
    <message>
        <source>the server&apos;s public keys could not be read (HTTP {status})</source>
        <translation>서버의 공개 키를 읽지 못했습니다 (HTTP {status})</translation>
    </message>
    <message>
        <source>the server&apos;s metadata failed ({status})</source>
        <translation>서버 메타데이터 오류 ({status})</translation>
    </message>
    <message>
        <source>not JSON metadata</source>
        <translation>JSON 메타데이터가 아님</translation>
    </message>
    <message>
        <source>{url}: {answer}</source>
        <translation>{url}: {answer}</translation>
    </message>
    <message>
        <source>{url} names {named}, not {server!r} (RFC 8414 §3.3)</source>
        <translation>{url}은(는) {server!r}이(가) 아닌 {named}을(를) 가리킵니다 (RFC 8414 §3.3)</translation>
    </message>
    <message>
        <source>{url} names no token_endpoint</source>
        <translation>{url}에 token_endpoint가 없습니다</translation>
    </message>
    <message>
        <source>{server} publishes no usable metadata ({problems}); using the conventional endpoints ({token_endpoint})</source>
        <translation>{server}에 쓸 수 있는 메타데이터가 없습니다({problems}). 관례적인 엔드포인트({token_endpoint})를 사용합니다</translation>
    </message>
    <message>
        <source>the OS keyring failed: {detail}</source>
        <translation>OS 키링 오류: {detail}</translation>
    </message>
    <message>
        <source>OS keyring ({backend})</source>
        <translation>OS 키링 ({backend})</translation>
    </message>
    <message>
        <source>keyring entry {entry!r} is missing some of its chunks</source>
        <translation>키링 항목 {entry!r}의 조각 일부가 없습니다</translation>
    </message>
    <message>
        <source>keyring entry {entry!r} does not match its checksum</source>
        <translation>키링 항목 {entry!r}이(가) 체크섬과 맞지 않습니다</translation>
    </message>
    <message>
        <source>keyring entry {entry!r} is not text</source>
        <translation>키링 항목 {entry!r}이(가) 텍스트가 아닙니다</translation>
    </message>
    <message>
        <source>could not save the device list: {error}</source>
        <translation>기기 목록을 저장하지 못했습니다: {error}</translation>
    </message>
    <message>
        <source>the stored tokens of {device!r} are incomplete</source>
        <translation>{device!r}의 저장된 토큰이 불완전합니다</translation>
    </message>
    <message>
        <source>the stored tokens of {device!r} hold something that is not a token</source>
        <translation>{device!r}의 저장된 토큰에 토큰이 아닌 것이 들어 있습니다</translation>
    </message>
    <message>
        <source>the stored tokens of {device!r} have an unreadable meta entry</source>
        <translation>{device!r}의 저장된 토큰에 읽을 수 없는 메타 항목이 있습니다</translation>
    </message>
    <message>
        <source>the stored tokens of {device!r} do not belong together (a torn or foreign write)</source>
        <translation>{device!r}의 저장된 토큰이 서로 맞지 않습니다(중간에 끊겼거나 다른 곳에서 쓴 기록)</translation>
    </message>
    <message>
        <source>{error} — tokens are now kept in memory only and will not survive a restart</source>
        <translation>{error} — 이제 토큰은 메모리에만 보관되며 재시작하면 사라집니다</translation>
    </message>
    <message>
        <source>cannot follow events: HTTP {status}</source>
        <translation>이벤트를 따라갈 수 없습니다: HTTP {status}</translation>
    </message>
    <message>
        <source>the event stream of {server} broke: {error}</source>
        <translation>{server}의 이벤트 스트림이 끊겼습니다: {error}</translation>
    </message>
    <message>
        <source>device id {device_id!r}: use 1-64 letters, digits and . _ : -</source>
        <translation>기기 ID {device_id!r}: 글자, 숫자와 . _ : - 를 1~64자 사용하세요</translation>
    </message>
    <message>
        <source>sign-in flow {flow!r}: use one of {known}</source>
        <translation>로그인 방식 {flow!r}: {known} 중 하나를 쓰세요</translation>
    </message>
    <message>
        <source>device type {device_type!r}: use one of {known}</source>
        <translation>기기 종류 {device_type!r}: {known} 중 하나를 쓰세요</translation>
    </message>
    <message>
        <source>server {server!r} must be an http(s) URL</source>
        <translation>서버 {server!r}은(는) http(s) URL이어야 합니다</translation>
    </message>
    <message>
        <source>incomplete device: {problem}</source>
        <translation>불완전한 기기: {problem}</translation>
    </message>
    <message>
        <source>there is already a resource server {rs_id!r}</source>
        <translation>리소스 서버 {rs_id!r}이(가) 이미 있습니다</translation>
    </message>
    <message>
        <source>there is already a device {device_id!r}</source>
        <translation>{device_id!r} 기기가 이미 있습니다</translation>
    </message>
    <message>
        <source>no device {device_id!r}</source>
        <translation>{device_id!r} 기기가 없습니다</translation>
    </message>
    <message>
        <source>cannot read {path}: {error}</source>
        <translation>{path}을(를) 읽을 수 없습니다: {error}</translation>
    </message>
    <message>
        <source>Another JWT Device Lab already runs its bundled server on {db}. Close that window first, or give this one a database of its own (--db FILE), or open it against a running server (--server URL --admin-key KEY).</source>
        <translation>다른 JWT Device Lab이 이미 {db}로 내장 서버를 실행 중입니다. 먼저 그 창을 닫거나, 이 창에 별도 데이터베이스를 주거나(--db FILE), 실행 중인 서버에 연결해 여세요(--server URL --admin-key KEY).</translation>
    </message>
    <message>
        <source>{path} was damaged ({problem}); it was moved to {moved_to}</source>
        <translation>{path}이(가) 손상되어({problem}) {moved_to}(으)로 옮겼습니다</translation>
    </message>
    <message>
        <source>unsupported token_type {token_type!r}</source>
        <translation>지원하지 않는 token_type {token_type!r}</translation>
    </message>
    <message>
        <source>phone</source>
        <translation>휴대폰</translation>
    </message>
    <message>
        <source>tablet</source>
        <translation>태블릿</translation>
    </message>
    <message>
        <source>browser</source>
        <translation>브라우저</translation>
    </message>
    <message>
        <source>the device is not signed in</source>
        <translation>기기가 로그인되어 있지 않습니다</translation>
    </message>
    <message>
        <source>there is no refresh token; sign in again</source>
        <translation>리프레시 토큰이 없습니다. 다시 로그인하세요</translation>
    </message>
    <message>
        <source>wrong username or password</source>
        <translation>사용자 이름 또는 비밀번호가 틀렸습니다</translation>
    </message>
    <message>
        <source>the token response is not JSON</source>
        <translation>토큰 응답이 JSON이 아닙니다</translation>
    </message>
    <message>
        <source>memory only (tokens are lost when the app exits)</source>
        <translation>메모리만 (앱을 끝내면 토큰이 사라짐)</translation>
    </message>
    <message>
        <source>the OS keyring is locked; unlock it and try again</source>
        <translation>OS 키링이 잠겨 있습니다. 잠금을 풀고 다시 시도하세요</translation>
    </message>
    <message>
        <source>no OS keyring is available</source>
        <translation>사용할 수 있는 OS 키링이 없습니다</translation>
    </message>
    <message>
        <source>the server refused the admin key</source>
        <translation>서버가 관리자 키를 거부했습니다</translation>
    </message>
    <message>
        <source>a device needs a user</source>
        <translation>기기에는 사용자가 필요합니다</translation>
    </message>
    <message>
        <source>refresh_margin cannot be negative</source>
        <translation>refresh_margin은 음수일 수 없습니다</translation>
    </message>
    <message>
        <source>the token response has no access_token</source>
        <translation>토큰 응답에 access_token이 없습니다</translation>
    </message>
    <message>
        <source>refresh_token must be a string</source>
        <translation>refresh_token은 문자열이어야 합니다</translation>
    </message>
    <message>
        <source>Signed in: you can close this window and return to JWT Device Lab.</source>
        <translation>로그인했습니다. 이 창을 닫고 JWT Device Lab으로 돌아가세요.</translation>
    </message>
    <message>
        <source>Nothing here: this address only takes one sign-in callback.</source>
        <translation>여기에는 아무것도 없습니다. 이 주소는 로그인 콜백 하나만 받습니다.</translation>
    </message>
    <message>
        <source>no web browser could be opened for the sign-in page</source>
        <translation>로그인 페이지를 열 웹 브라우저가 없습니다</translation>
    </message>
    <message>
        <source>Sign-in denied on the other device</source>
        <translation>다른 기기에서 로그인을 거부했습니다</translation>
    </message>
    <message>
        <source>The code expired before anyone approved it; sign in again</source>
        <translation>승인되기 전에 코드가 만료되었습니다. 다시 로그인하세요</translation>
    </message>
    <message>
        <source>no TV sign-in is waiting for approval</source>
        <translation>승인을 기다리는 TV 로그인이 없습니다</translation>
    </message>
    <message>
        <source>the device holds no access token to steal</source>
        <translation>기기에 훔칠 액세스 토큰이 없습니다</translation>
    </message>
    <message>
        <source>no OS keyring is available (on Linux, install and unlock gnome-keyring or KWallet; or continue with memory-only tokens)</source>
        <translation>사용할 수 있는 OS 키링이 없습니다 (Linux에서는 gnome-keyring이나 KWallet을 설치하고 잠금을 푸세요. 또는 메모리에만 토큰을 보관하고 계속하세요)</translation>
    </message>
    <message>
        <source>{key}: expected {expected}, got {actual}</source>
        <translation>{key}: 기대 {expected}, 실제 {actual}</translation>
    </message>
    <message>
        <source>  window: {device}&apos;s session was revoked at +{revoked}s ({reason}), yet its access token was still accepted (last at +{last}s) and stayed usable until its exp at +{exp}s: a {window} s window of stateless verification</source>
        <translation>  틈: {device}의 세션은 +{revoked}초에 폐기되었지만({reason}) 액세스 토큰은 여전히 통과했고(마지막 +{last}초) exp인 +{exp}초까지 쓸 수 있었습니다: 무상태 검증의 {window}초짜리 틈</translation>
    </message>
    <message>
        <source>{mode}, answers cached {cache} s</source>
        <translation>{mode}, 답을 {cache}초 캐시</translation>
    </message>
    <message>
        <source>  api {api} ({mode}): the session revoked at +{revoked}s was still accepted at its last try (+{last}s)</source>
        <translation>  API {api} ({mode}): +{revoked}초에 폐기된 세션이 마지막 시도(+{last}초)에도 여전히 받아들여졌습니다</translation>
    </message>
    <message>
        <source>  api {api} ({mode}): the session revoked at +{revoked}s was refused from +{refused}s — a red window of {window} s</source>
        <translation>  API {api} ({mode}): +{revoked}초에 폐기된 세션이 +{refused}초부터 거절되었습니다 — 위험 구간 {window}초</translation>
    </message>
    <message>
        <source>error — {error}</source>
        <translation>오류 — {error}</translation>
    </message>
    <message>
        <source>stopped after {done}/{total} steps; {held}/{n} expectations held</source>
        <translation>{total}단계 중 {done}단계 후 정지, 기대 {n}개 중 {held}개 충족</translation>
    </message>
    <message>
        <source>{held}/{n} expectations held ({ms} ms)</source>
        <translation>기대 {n}개 중 {held}개 충족 ({ms} ms)</translation>
    </message>
    <message>
        <source>Showing the devices</source>
        <translation>기기 표시</translation>
    </message>
    <message>
        <source>Adding {name}</source>
        <translation>{name} 추가</translation>
    </message>
    <message>
        <source>Removing the device</source>
        <translation>기기 삭제</translation>
    </message>
    <message>
        <source>Signing in</source>
        <translation>로그인</translation>
    </message>
    <message>
        <source>Approving the TV sign-in</source>
        <translation>TV 로그인 승인</translation>
    </message>
    <message>
        <source>Cancelling the sign-in</source>
        <translation>로그인 취소</translation>
    </message>
    <message>
        <source>Calling the API</source>
        <translation>API 호출</translation>
    </message>
    <message>
        <source>Signing out</source>
        <translation>로그아웃</translation>
    </message>
    <message>
        <source>Signing out the other devices</source>
        <translation>다른 기기 로그아웃</translation>
    </message>
    <message>
        <source>Listening for sign-outs</source>
        <translation>로그아웃 알림을 듣는 중</translation>
    </message>
    <message>
        <source>No longer listening for sign-outs</source>
        <translation>로그아웃 알림을 더 이상 듣지 않음</translation>
    </message>
    <message>
        <source>Stealing the access token</source>
        <translation>액세스 토큰 훔치기</translation>
    </message>
    <message>
        <source>A thief copied the access token: watch its lane in the timeline</source>
        <translation>도둑이 액세스 토큰을 복사했습니다: 타임라인에서 도둑의 줄을 보세요</translation>
    </message>
    <message>
        <source>not checked: the server&apos;s keys could not be read ({error})</source>
        <translation>확인하지 않음: 서버의 키를 읽지 못했습니다 ({error})</translation>
    </message>
    <message>
        <source>Fetching the server&apos;s keys</source>
        <translation>서버 키 가져오기</translation>
    </message>
    <message>
        <source>Opening the lab</source>
        <translation>랩 열기</translation>
    </message>
    <message>
        <source>Switching to memory-only tokens</source>
        <translation>메모리 전용 토큰으로 전환</translation>
    </message>
    <message>
        <source>The keyring is still unavailable</source>
        <translation>키링을 여전히 쓸 수 없습니다</translation>
    </message>
    <message>
        <source>Tokens are now kept in {name}</source>
        <translation>이제 토큰을 {name}에 보관합니다</translation>
    </message>
    <message>
        <source>{what} failed unexpectedly: {error}</source>
        <translation>{what} 중 예기치 않은 오류: {error}</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 이미지 (*.png)</translation>
    </message>
    <message>
        <source>SVG drawing (*.svg)</source>
        <translation>SVG 그림 (*.svg)</translation>
    </message>
    <message>
        <source>JSON report (*.json)</source>
        <translation>JSON 보고서 (*.json)</translation>
    </message>
    <message>
        <source>JUnit XML (*.xml)</source>
        <translation>JUnit XML (*.xml)</translation>
    </message>
    <message>
        <source>Text report (*.txt)</source>
        <translation>텍스트 보고서 (*.txt)</translation>
    </message>
    <message>
        <source>A scenario is already playing</source>
        <translation>이미 시나리오가 재생 중입니다</translation>
    </message>
    <message>
        <source>Playing {name}</source>
        <translation>{name} 재생</translation>
    </message>
    <message>
        <source>Reading the server&apos;s state: {error}</source>
        <translation>서버 상태 읽기: {error}</translation>
    </message>
    <message>
        <source>Only the bundled server starts resource servers: run `jwt-lab api` and register it with --resource-server</source>
        <translation>리소스 서버는 내장 서버만 띄울 수 있습니다: `jwt-lab api`를 실행하고 --resource-server로 등록하세요</translation>
    </message>
    <message>
        <source>Starting resource server {name}</source>
        <translation>리소스 서버 {name} 시작 중</translation>
    </message>
    <message>
        <source>Resource server {name} ({mode}) runs on {url}</source>
        <translation>리소스 서버 {name} ({mode})가 {url}에서 실행 중입니다</translation>
    </message>
    <message>
        <source>Changing the server settings</source>
        <translation>서버 설정 변경</translation>
    </message>
    <message>
        <source>Forcing {user}&apos;s sessions to expire</source>
        <translation>{user}의 세션 강제 만료</translation>
    </message>
    <message>
        <source>{n} session(s) of {user} revoked</source>
        <translation>{user}의 세션 {n}개 폐기됨</translation>
    </message>
    <message>
        <source>Revoking the session</source>
        <translation>세션 폐기</translation>
    </message>
    <message>
        <source>Rotating the signing key</source>
        <translation>서명 키 교체</translation>
    </message>
    <message>
        <source>New signing key {kid}…</source>
        <translation>새 서명 키 {kid}…</translation>
    </message>
    <message>
        <source>Retiring a key</source>
        <translation>키 폐기</translation>
    </message>
    <message>
        <source>Key {kid}… retired</source>
        <translation>키 {kid}… 폐기됨</translation>
    </message>
    <message>
        <source>Changing the clock speed</source>
        <translation>시계 속도 변경</translation>
    </message>
    <message>
        <source>Clock speed {rate}×</source>
        <translation>시계 속도 {rate}×</translation>
    </message>
    <message>
        <source>every login may stay signed in</source>
        <translation>모든 로그인이 함께 유지될 수 있습니다</translation>
    </message>
    <message>
        <source>a new login signs every other device out (the PC logs the phone out)</source>
        <translation>새 로그인이 다른 모든 기기를 로그아웃시킵니다 (PC가 휴대폰을 로그아웃시킴)</translation>
    </message>
    <message>
        <source>a new login is refused while another device is signed in</source>
        <translation>다른 기기가 로그인되어 있는 동안 새 로그인은 거부됩니다</translation>
    </message>
    <message>
        <source>one session per device type: a second phone logs the first out</source>
        <translation>기기 종류마다 세션 하나: 두 번째 휴대폰이 첫 번째를 로그아웃시킵니다</translation>
    </message>
    <message>
        <source>at most N sessions; the oldest is signed out</source>
        <translation>세션은 최대 N개, 가장 오래된 세션이 로그아웃됩니다</translation>
    </message>
    <message>
        <source>access-token lifetime</source>
        <translation>액세스 토큰 유효 기간</translation>
    </message>
    <message>
        <source>session / refresh-token lifetime</source>
        <translation>세션 / 리프레시 토큰 유효 기간</translation>
    </message>
    <message>
        <source>clock-skew tolerance for `exp`, `iat`, `nbf`</source>
        <translation>`exp`, `iat`, `nbf`의 시계 오차 허용 범위</translation>
    </message>
    <message>
        <source>signature and claims only: a revoked token works until it expires</source>
        <translation>서명과 클레임만 확인: 폐기된 토큰도 만료될 때까지 통과합니다</translation>
    </message>
    <message>
        <source>RFC 7662 at the auth server, each answer cached for --introspect-cache seconds</source>
        <translation>인증 서버에 RFC 7662로 물어보고, 각 답을 --introspect-cache초 동안 캐시합니다</translation>
    </message>
    <message>
        <source>stateless, plus the revoked sessions the auth server pushes (OpenID Back-Channel Logout)</source>
        <translation>무상태 검증에 더해, 인증 서버가 밀어 주는 폐기된 세션 목록을 씁니다 (OpenID Back-Channel Logout)</translation>
    </message>
    <message>
        <source>the session looked up at the auth server on every request</source>
        <translation>요청마다 인증 서버에서 세션을 조회합니다</translation>
    </message>
</context>
</TS>

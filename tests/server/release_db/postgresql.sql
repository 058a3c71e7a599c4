--
-- PostgreSQL database dump
--

\restrict KBTMHwmXDjbxs5qvNcw7YM58TdTogZhd6i7evbUkSmPIdZS2jwUWjcbobZIblUm

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id integer NOT NULL,
    tenant_id character varying(36) NOT NULL,
    at text NOT NULL,
    actor_kind character varying(16) NOT NULL,
    actor_id character varying(36) NOT NULL,
    action character varying(64) NOT NULL,
    target_kind character varying(32) NOT NULL,
    target_id character varying(36) NOT NULL
);


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_log_id_seq OWNED BY public.audit_log.id;


--
-- Name: care_plans; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.care_plans (
    id character varying(36) NOT NULL,
    tenant_id character varying(36) NOT NULL,
    service_user_id character varying(36) NOT NULL,
    version integer NOT NULL,
    body json NOT NULL
);


--
-- Name: coordinators; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.coordinators (
    id character varying(36) NOT NULL,
    tenant_id character varying(36) NOT NULL,
    name text NOT NULL,
    email character varying(320) NOT NULL,
    password_hash text NOT NULL,
    is_safeguarding_lead boolean NOT NULL,
    active boolean NOT NULL
);


--
-- Name: devices; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.devices (
    id character varying(36) NOT NULL,
    tenant_id character varying(36) NOT NULL,
    worker_id character varying(36) NOT NULL,
    token_hash character varying(64) NOT NULL,
    enrolled_at text NOT NULL,
    last_seen_at text,
    revoked_at text,
    revoked_by character varying(36),
    wiped_at text,
    app_version text NOT NULL
);


--
-- Name: enrolment_codes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.enrolment_codes (
    code_hash character varying(64) NOT NULL,
    tenant_id character varying(36) NOT NULL,
    worker_id character varying(36) NOT NULL,
    created_at text NOT NULL,
    expires_at text NOT NULL,
    used_at text,
    device_id character varying(36)
);


--
-- Name: feed; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.feed (
    tenant_id character varying(36) NOT NULL,
    seq bigint NOT NULL,
    worker_id character varying(36) NOT NULL,
    entity character varying(32) NOT NULL,
    entity_id character varying(36) NOT NULL,
    op character varying(8) NOT NULL,
    version integer NOT NULL,
    body json
);


--
-- Name: feed_floor; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.feed_floor (
    tenant_id character varying(36) NOT NULL,
    seq bigint NOT NULL
);


--
-- Name: medicines; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.medicines (
    id character varying(36) NOT NULL,
    tenant_id character varying(36) NOT NULL,
    service_user_id character varying(36) NOT NULL,
    version integer NOT NULL,
    body json NOT NULL
);


--
-- Name: monitor_heartbeat; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.monitor_heartbeat (
    holder text NOT NULL,
    beat_at text NOT NULL
);


--
-- Name: records; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.records (
    id character varying(36) NOT NULL,
    tenant_id character varying(36) NOT NULL,
    device_id character varying(36) NOT NULL,
    worker_id character varying(36) NOT NULL,
    kind character varying(32) NOT NULL,
    visit_id character varying(36),
    service_user_id character varying(36),
    recorded_at text NOT NULL,
    version integer NOT NULL,
    corrects character varying(36),
    envelope json NOT NULL,
    facts json NOT NULL,
    content_hash character varying(64) NOT NULL,
    received_at text NOT NULL,
    seq bigint NOT NULL
);


--
-- Name: schema_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_version (
    version integer NOT NULL,
    applied_at text NOT NULL
);


--
-- Name: schema_version_version_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.schema_version_version_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: schema_version_version_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.schema_version_version_seq OWNED BY public.schema_version.version;


--
-- Name: service_users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.service_users (
    id character varying(36) NOT NULL,
    tenant_id character varying(36) NOT NULL,
    version integer NOT NULL,
    body json NOT NULL
);


--
-- Name: tenants; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tenants (
    id character varying(36) NOT NULL,
    name text NOT NULL,
    office_phone text NOT NULL,
    on_call_phone text NOT NULL,
    timezone text NOT NULL,
    escrow_public_key text NOT NULL,
    clock bigint NOT NULL,
    revoked_devices_may_push boolean DEFAULT true NOT NULL
);


--
-- Name: visits; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.visits (
    id character varying(36) NOT NULL,
    tenant_id character varying(36) NOT NULL,
    worker_id character varying(36) NOT NULL,
    service_user_id character varying(36) NOT NULL,
    visit_type text NOT NULL,
    start text NOT NULL,
    "end" text NOT NULL,
    status text NOT NULL,
    version integer NOT NULL
);


--
-- Name: workers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.workers (
    id character varying(36) NOT NULL,
    tenant_id character varying(36) NOT NULL,
    name text NOT NULL,
    phone text NOT NULL,
    area text NOT NULL,
    role text NOT NULL,
    active boolean NOT NULL
);


--
-- Name: audit_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log ALTER COLUMN id SET DEFAULT nextval('public.audit_log_id_seq'::regclass);


--
-- Name: schema_version version; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_version ALTER COLUMN version SET DEFAULT nextval('public.schema_version_version_seq'::regclass);


--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: care_plans; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.care_plans VALUES ('72dd9ff6-ac57-402a-b8a1-68e9e70c55c6', '9301af77-6947-4eb6-921f-695e6993aa6b', '7fff2a8d-cdb3-44fc-bb93-7ffbc8895132', 1, '{"version":1,"goals":["Stay living at home","Walk to the corner shop"],"tasks":[{"id":"31f27752-e225-4794-bf8c-f9ba380ee666","visit_type":"morning","category":"personal_care","title":"Help with a wash and dressing","instructions":"She likes a strip wash.","fluid":false},{"id":"1febf0ba-6040-49bf-aaca-432eaffb7c30","visit_type":"morning","category":"nutrition","title":"Breakfast and a drink","instructions":"Porridge with honey.","fluid":false}]}');
INSERT INTO public.care_plans VALUES ('d95cfb5b-d550-4afe-b221-3777f7330a73', '9301af77-6947-4eb6-921f-695e6993aa6b', 'd375e9cd-10b2-4f10-a721-f5e1385c3ecb', 1, '{"version":1,"goals":["Stay living at home","Walk to the corner shop"],"tasks":[{"id":"1cd935d0-1e05-440c-a247-6875ba0b4d9d","visit_type":"morning","category":"personal_care","title":"Help with a wash and dressing","instructions":"She likes a strip wash.","fluid":false},{"id":"ef70351d-e422-4007-bb4a-60e04c90deb0","visit_type":"morning","category":"nutrition","title":"Breakfast and a drink","instructions":"Porridge with honey.","fluid":false}]}');


--
-- Data for Name: coordinators; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.coordinators VALUES ('bfe3f5de-d982-496e-b0ee-f41ae1da4b02', '9301af77-6947-4eb6-921f-695e6993aa6b', 'Sam Office', 'office@example.org', '$argon2id$v=19$m=65536,t=3,p=4$9dQFiBQ/RhoMEsSQYoJnYw$D3d8jynq9Jqa3oxSa0vvB2coZty3qofVoX7Wc4NXnXM', false, true);


--
-- Data for Name: devices; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.devices VALUES ('a361970c-27c9-4f2c-9917-5fd932818e0a', '9301af77-6947-4eb6-921f-695e6993aa6b', 'f6113b2c-e6f3-47ff-a55e-1bc4f1980b13', '19d1044626c64639c7cd9a30cb6978767e1c333ac94e131db58cdf42af7fdcdb', '2026-12-05T17:52:07.376310+00:00', '2026-12-05T17:52:07.392353+00:00', NULL, NULL, NULL, '');


--
-- Data for Name: enrolment_codes; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.enrolment_codes VALUES ('3d1bafbd65288bbfb18be8c7f4b923e3452d63a2ae1986be797eb6954ee32f0b', '9301af77-6947-4eb6-921f-695e6993aa6b', 'f6113b2c-e6f3-47ff-a55e-1bc4f1980b13', '2026-12-05T17:52:07.371887+00:00', '2026-12-05T18:52:07.371887+00:00', '2026-12-05T17:52:07.376310+00:00', 'a361970c-27c9-4f2c-9917-5fd932818e0a');


--
-- Data for Name: feed; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.feed VALUES ('9301af77-6947-4eb6-921f-695e6993aa6b', 1, 'f6113b2c-e6f3-47ff-a55e-1bc4f1980b13', 'service_user', '7fff2a8d-cdb3-44fc-bb93-7ffbc8895132', 'upsert', 1, '{"name":"Margaret Ellison","preferred_name":"Margaret","area":"Headingley","address_line":"14 Cardigan Road","town":"Leeds","postcode":"LS6 3AG","access_notes":"Key safe by the back door, code 4821","allergies":["Penicillin"],"dnacpr":"DNACPR in place (purple form in kitchen drawer)","communication_needs":"Hard of hearing: face her and speak clearly","goals":["Stay living at home","Walk to the corner shop"],"id":"7fff2a8d-cdb3-44fc-bb93-7ffbc8895132"}');
INSERT INTO public.feed VALUES ('9301af77-6947-4eb6-921f-695e6993aa6b', 2, 'f6113b2c-e6f3-47ff-a55e-1bc4f1980b13', 'care_plan', '72dd9ff6-ac57-402a-b8a1-68e9e70c55c6', 'upsert', 1, '{"version":1,"goals":["Stay living at home","Walk to the corner shop"],"tasks":[{"id":"31f27752-e225-4794-bf8c-f9ba380ee666","visit_type":"morning","category":"personal_care","title":"Help with a wash and dressing","instructions":"She likes a strip wash.","fluid":false},{"id":"1febf0ba-6040-49bf-aaca-432eaffb7c30","visit_type":"morning","category":"nutrition","title":"Breakfast and a drink","instructions":"Porridge with honey.","fluid":false}],"id":"72dd9ff6-ac57-402a-b8a1-68e9e70c55c6","service_user_id":"7fff2a8d-cdb3-44fc-bb93-7ffbc8895132"}');
INSERT INTO public.feed VALUES ('9301af77-6947-4eb6-921f-695e6993aa6b', 3, 'f6113b2c-e6f3-47ff-a55e-1bc4f1980b13', 'medicine', 'b19e9fc5-af28-4b67-bbb2-160f4dba31be', 'upsert', 1, '{"name":"Amlodipine","form":"tablet","strength":"5 mg","dose":"1 tablet","route":"oral","times":["08:00"],"support_level":"prompt","time_critical":false,"window_minutes":30,"prn":null,"controlled":false,"instructions":"","start_date":"2026-01-01","stop_date":null,"id":"b19e9fc5-af28-4b67-bbb2-160f4dba31be","service_user_id":"7fff2a8d-cdb3-44fc-bb93-7ffbc8895132"}');
INSERT INTO public.feed VALUES ('9301af77-6947-4eb6-921f-695e6993aa6b', 4, 'f6113b2c-e6f3-47ff-a55e-1bc4f1980b13', 'visit', 'b44b6e3f-15e7-451e-b71b-84139b9aa22c', 'upsert', 1, '{"worker_id":"f6113b2c-e6f3-47ff-a55e-1bc4f1980b13","service_user_id":"7fff2a8d-cdb3-44fc-bb93-7ffbc8895132","visit_type":"morning","start":"2026-03-10T08:55:00+00:00","end":"2026-03-10T09:25:00+00:00","status":"scheduled"}');
INSERT INTO public.feed VALUES ('9301af77-6947-4eb6-921f-695e6993aa6b', 5, 'aa673461-f3d8-455c-a9a7-adaf098c4d6a', 'service_user', 'd375e9cd-10b2-4f10-a721-f5e1385c3ecb', 'upsert', 1, '{"name":"Arthur Pennington","preferred_name":"Arthur","area":"Kirkstall","address_line":"14 Cardigan Road","town":"Leeds","postcode":"LS6 3AG","access_notes":"Key safe by the back door, code 4821","allergies":["Penicillin"],"dnacpr":"DNACPR in place (purple form in kitchen drawer)","communication_needs":"Hard of hearing: face her and speak clearly","goals":["Stay living at home","Walk to the corner shop"],"id":"d375e9cd-10b2-4f10-a721-f5e1385c3ecb"}');
INSERT INTO public.feed VALUES ('9301af77-6947-4eb6-921f-695e6993aa6b', 6, 'aa673461-f3d8-455c-a9a7-adaf098c4d6a', 'care_plan', 'd95cfb5b-d550-4afe-b221-3777f7330a73', 'upsert', 1, '{"version":1,"goals":["Stay living at home","Walk to the corner shop"],"tasks":[{"id":"1cd935d0-1e05-440c-a247-6875ba0b4d9d","visit_type":"morning","category":"personal_care","title":"Help with a wash and dressing","instructions":"She likes a strip wash.","fluid":false},{"id":"ef70351d-e422-4007-bb4a-60e04c90deb0","visit_type":"morning","category":"nutrition","title":"Breakfast and a drink","instructions":"Porridge with honey.","fluid":false}],"id":"d95cfb5b-d550-4afe-b221-3777f7330a73","service_user_id":"d375e9cd-10b2-4f10-a721-f5e1385c3ecb"}');
INSERT INTO public.feed VALUES ('9301af77-6947-4eb6-921f-695e6993aa6b', 7, 'aa673461-f3d8-455c-a9a7-adaf098c4d6a', 'medicine', '7ce4b589-99c5-4d7f-a5fa-b8edaa8e6c30', 'upsert', 1, '{"name":"Amlodipine","form":"tablet","strength":"5 mg","dose":"1 tablet","route":"oral","times":["08:00"],"support_level":"prompt","time_critical":false,"window_minutes":30,"prn":null,"controlled":false,"instructions":"","start_date":"2026-01-01","stop_date":null,"id":"7ce4b589-99c5-4d7f-a5fa-b8edaa8e6c30","service_user_id":"d375e9cd-10b2-4f10-a721-f5e1385c3ecb"}');
INSERT INTO public.feed VALUES ('9301af77-6947-4eb6-921f-695e6993aa6b', 8, 'aa673461-f3d8-455c-a9a7-adaf098c4d6a', 'visit', 'ed22c12c-9658-4094-90b6-ac77e14f491a', 'upsert', 1, '{"worker_id":"aa673461-f3d8-455c-a9a7-adaf098c4d6a","service_user_id":"d375e9cd-10b2-4f10-a721-f5e1385c3ecb","visit_type":"morning","start":"2026-03-10T09:55:00+00:00","end":"2026-03-10T10:25:00+00:00","status":"scheduled"}');


--
-- Data for Name: feed_floor; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: medicines; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.medicines VALUES ('b19e9fc5-af28-4b67-bbb2-160f4dba31be', '9301af77-6947-4eb6-921f-695e6993aa6b', '7fff2a8d-cdb3-44fc-bb93-7ffbc8895132', 1, '{"name":"Amlodipine","form":"tablet","strength":"5 mg","dose":"1 tablet","route":"oral","times":["08:00"],"support_level":"prompt","time_critical":false,"window_minutes":30,"prn":null,"controlled":false,"instructions":"","start_date":"2026-01-01","stop_date":null}');
INSERT INTO public.medicines VALUES ('7ce4b589-99c5-4d7f-a5fa-b8edaa8e6c30', '9301af77-6947-4eb6-921f-695e6993aa6b', 'd375e9cd-10b2-4f10-a721-f5e1385c3ecb', 1, '{"name":"Amlodipine","form":"tablet","strength":"5 mg","dose":"1 tablet","route":"oral","times":["08:00"],"support_level":"prompt","time_critical":false,"window_minutes":30,"prn":null,"controlled":false,"instructions":"","start_date":"2026-01-01","stop_date":null}');


--
-- Data for Name: monitor_heartbeat; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: records; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.records VALUES ('bdc7c008-7986-495b-a784-e2a2065cdd1a', '9301af77-6947-4eb6-921f-695e6993aa6b', 'a361970c-27c9-4f2c-9917-5fd932818e0a', 'f6113b2c-e6f3-47ff-a55e-1bc4f1980b13', 'note', 'b44b6e3f-15e7-451e-b71b-84139b9aa22c', NULL, '2026-03-10T09:00:00+00:00', 1, NULL, '{"v":2,"alg":"A256GCM","nonce":"1nQa1dUnMLXfGKb3","ct":"yksNEyR2PcZNCuba7HFLHdJEiL03BkZI9XV/tTcqBpRtDSK+6qS2vTRj","dk":{"nonce":"TkhbCiMiGr2oY54R","ct":"2ByqVS+oAZm+oFJb3VcZVClxzYQa5CxZYJW8dznDFfo1GLPSCFli0mU+1yTaueGt"},"ek":{"epk":"zuVfTcLsPsac66gu272oyAcyMewnbVq/kwU8Zq4ByFg=","nonce":"M6SIvuX13CT89RaT","ct":"zK34ZAuphMdzmAGj6vTjuEUHjJLmxkXBvvUMYoLKdkyVacGb17z/HeABsxa1NKiW"}}', '{}', '5768b96831822653d55ee18a2f5ce7ca2f81ff98d720411bf4a37f6b738f4da2', '2026-12-05T17:52:07.392353+00:00', 9);
INSERT INTO public.records VALUES ('5b23a03f-1c17-41ea-b898-325b102f5d36', '9301af77-6947-4eb6-921f-695e6993aa6b', 'a361970c-27c9-4f2c-9917-5fd932818e0a', 'f6113b2c-e6f3-47ff-a55e-1bc4f1980b13', 'note', 'b44b6e3f-15e7-451e-b71b-84139b9aa22c', NULL, '2026-03-10T09:00:00+00:00', 1, NULL, '{"v":2,"alg":"A256GCM","nonce":"HLyFCgT7o8kyEvVs","ct":"nt3lNfvQ/TXrhC5L/VTpKpdTkz4hQn4CPgRARSnNLm4RPazs3f/7MpLs4g==","dk":{"nonce":"0hy8Dt9ouAq+JDYf","ct":"cETgUUKfPeesvPzLNsg/CzW9Yc2d3ZSNjoltxadd+3L1WagBG3GqLiOfvftwwqmq"},"ek":{"epk":"JAePMPWV6T7uX8KEH2zaOkuCkmYufp8hXjMXHhdwSxI=","nonce":"Y9G0/2VD8aHoh5PY","ct":"1ow9sPMFINCUYH1rlvmtO0//z3xrz4K6DyBDNTh9WNeXvrzfhAy6xQvr7GNhRwtI"}}', '{}', '388cf9f4ea0658579784e26b5ee8e33bc2907dfecb89ec2b176ac1fee82cc076', '2026-12-05T17:52:07.392353+00:00', 10);


--
-- Data for Name: schema_version; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_version VALUES (1, '2026-12-05T17:52:06.759855+00:00');
INSERT INTO public.schema_version VALUES (2, '2026-12-05T17:52:06.781120+00:00');
INSERT INTO public.schema_version VALUES (3, '2026-12-05T17:52:06.788311+00:00');
INSERT INTO public.schema_version VALUES (4, '2026-12-05T17:52:06.794811+00:00');
INSERT INTO public.schema_version VALUES (5, '2026-12-05T17:52:06.796438+00:00');


--
-- Data for Name: service_users; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.service_users VALUES ('7fff2a8d-cdb3-44fc-bb93-7ffbc8895132', '9301af77-6947-4eb6-921f-695e6993aa6b', 1, '{"name":"Margaret Ellison","preferred_name":"Margaret","area":"Headingley","address_line":"14 Cardigan Road","town":"Leeds","postcode":"LS6 3AG","access_notes":"Key safe by the back door, code 4821","allergies":["Penicillin"],"dnacpr":"DNACPR in place (purple form in kitchen drawer)","communication_needs":"Hard of hearing: face her and speak clearly","goals":["Stay living at home","Walk to the corner shop"]}');
INSERT INTO public.service_users VALUES ('d375e9cd-10b2-4f10-a721-f5e1385c3ecb', '9301af77-6947-4eb6-921f-695e6993aa6b', 1, '{"name":"Arthur Pennington","preferred_name":"Arthur","area":"Kirkstall","address_line":"14 Cardigan Road","town":"Leeds","postcode":"LS6 3AG","access_notes":"Key safe by the back door, code 4821","allergies":["Penicillin"],"dnacpr":"DNACPR in place (purple form in kitchen drawer)","communication_needs":"Hard of hearing: face her and speak clearly","goals":["Stay living at home","Walk to the corner shop"]}');


--
-- Data for Name: tenants; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.tenants VALUES ('9301af77-6947-4eb6-921f-695e6993aa6b', 'Test Home Care', '0113 496 0000', '', 'Europe/London', 'drVzaDanawoTr6RF0FOCokdD2KIk0VaAe/qairHv7kY=', 10, true);


--
-- Data for Name: visits; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.visits VALUES ('b44b6e3f-15e7-451e-b71b-84139b9aa22c', '9301af77-6947-4eb6-921f-695e6993aa6b', 'f6113b2c-e6f3-47ff-a55e-1bc4f1980b13', '7fff2a8d-cdb3-44fc-bb93-7ffbc8895132', 'morning', '2026-03-10T08:55:00+00:00', '2026-03-10T09:25:00+00:00', 'scheduled', 1);
INSERT INTO public.visits VALUES ('ed22c12c-9658-4094-90b6-ac77e14f491a', '9301af77-6947-4eb6-921f-695e6993aa6b', 'aa673461-f3d8-455c-a9a7-adaf098c4d6a', 'd375e9cd-10b2-4f10-a721-f5e1385c3ecb', 'morning', '2026-03-10T09:55:00+00:00', '2026-03-10T10:25:00+00:00', 'scheduled', 1);


--
-- Data for Name: workers; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.workers VALUES ('f6113b2c-e6f3-47ff-a55e-1bc4f1980b13', '9301af77-6947-4eb6-921f-695e6993aa6b', 'Amira Khan', '', 'Headingley', 'care_worker', true);
INSERT INTO public.workers VALUES ('aa673461-f3d8-455c-a9a7-adaf098c4d6a', '9301af77-6947-4eb6-921f-695e6993aa6b', 'Tom Baxter', '', 'Armley', 'care_worker', true);


--
-- Name: audit_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_log_id_seq', 1, false);


--
-- Name: schema_version_version_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.schema_version_version_seq', 1, false);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: care_plans care_plans_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.care_plans
    ADD CONSTRAINT care_plans_pkey PRIMARY KEY (id);


--
-- Name: coordinators coordinators_email_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.coordinators
    ADD CONSTRAINT coordinators_email_key UNIQUE (email);


--
-- Name: coordinators coordinators_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.coordinators
    ADD CONSTRAINT coordinators_pkey PRIMARY KEY (id);


--
-- Name: devices devices_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.devices
    ADD CONSTRAINT devices_pkey PRIMARY KEY (id);


--
-- Name: devices devices_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.devices
    ADD CONSTRAINT devices_token_hash_key UNIQUE (token_hash);


--
-- Name: enrolment_codes enrolment_codes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.enrolment_codes
    ADD CONSTRAINT enrolment_codes_pkey PRIMARY KEY (code_hash);


--
-- Name: feed_floor feed_floor_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feed_floor
    ADD CONSTRAINT feed_floor_pkey PRIMARY KEY (tenant_id);


--
-- Name: feed feed_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feed
    ADD CONSTRAINT feed_pkey PRIMARY KEY (tenant_id, seq);


--
-- Name: medicines medicines_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.medicines
    ADD CONSTRAINT medicines_pkey PRIMARY KEY (id);


--
-- Name: monitor_heartbeat monitor_heartbeat_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.monitor_heartbeat
    ADD CONSTRAINT monitor_heartbeat_pkey PRIMARY KEY (holder);


--
-- Name: records records_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.records
    ADD CONSTRAINT records_pkey PRIMARY KEY (id);


--
-- Name: schema_version schema_version_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (version);


--
-- Name: service_users service_users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.service_users
    ADD CONSTRAINT service_users_pkey PRIMARY KEY (id);


--
-- Name: tenants tenants_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tenants
    ADD CONSTRAINT tenants_pkey PRIMARY KEY (id);


--
-- Name: visits visits_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.visits
    ADD CONSTRAINT visits_pkey PRIMARY KEY (id);


--
-- Name: workers workers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.workers
    ADD CONSTRAINT workers_pkey PRIMARY KEY (id);


--
-- Name: feed_by_worker; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX feed_by_worker ON public.feed USING btree (tenant_id, worker_id, seq);


--
-- Name: ix_care_plans_service_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_care_plans_service_user_id ON public.care_plans USING btree (service_user_id);


--
-- Name: ix_coordinators_tenant_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_coordinators_tenant_id ON public.coordinators USING btree (tenant_id);


--
-- Name: ix_devices_worker_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_devices_worker_id ON public.devices USING btree (worker_id);


--
-- Name: ix_medicines_service_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_medicines_service_user_id ON public.medicines USING btree (service_user_id);


--
-- Name: ix_records_service_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_records_service_user_id ON public.records USING btree (service_user_id);


--
-- Name: ix_records_visit_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_records_visit_id ON public.records USING btree (visit_id);


--
-- Name: ix_service_users_tenant_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_service_users_tenant_id ON public.service_users USING btree (tenant_id);


--
-- Name: ix_workers_tenant_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_workers_tenant_id ON public.workers USING btree (tenant_id);


--
-- Name: visits_by_start; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX visits_by_start ON public.visits USING btree (tenant_id, start);


--
-- Name: visits_by_worker_start; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX visits_by_worker_start ON public.visits USING btree (worker_id, start);


--
-- PostgreSQL database dump complete
--

\unrestrict KBTMHwmXDjbxs5qvNcw7YM58TdTogZhd6i7evbUkSmPIdZS2jwUWjcbobZIblUm


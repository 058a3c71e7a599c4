BEGIN TRANSACTION;
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	at TEXT NOT NULL, 
	actor_kind VARCHAR(16) NOT NULL, 
	actor_id VARCHAR(36) NOT NULL, 
	action VARCHAR(64) NOT NULL, 
	target_kind VARCHAR(32) NOT NULL, 
	target_id VARCHAR(36) NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE care_plans (
	id VARCHAR(36) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	service_user_id VARCHAR(36) NOT NULL, 
	version INTEGER NOT NULL, 
	body JSON NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "care_plans" VALUES('668f88a0-6d97-43c4-8013-1b910b3204ef','275b792f-c938-4177-85de-dc1a8f98598a','8cebad3a-8b75-43d3-b561-714616f107db',1,'{"version":1,"goals":["Stay living at home","Walk to the corner shop"],"tasks":[{"id":"d0311917-3868-476e-8f1b-30c8ed61c8b1","visit_type":"morning","category":"personal_care","title":"Help with a wash and dressing","instructions":"She likes a strip wash.","fluid":false},{"id":"f65c2844-769a-4f88-843c-b0f31139c1f8","visit_type":"morning","category":"nutrition","title":"Breakfast and a drink","instructions":"Porridge with honey.","fluid":false}]}');
INSERT INTO "care_plans" VALUES('93773979-0914-4791-828f-b20c9206eff8','275b792f-c938-4177-85de-dc1a8f98598a','ce21b025-e78c-4fbe-b2ef-d0884ca30280',1,'{"version":1,"goals":["Stay living at home","Walk to the corner shop"],"tasks":[{"id":"36fa3111-59bd-4860-a066-d66206e4b9cd","visit_type":"morning","category":"personal_care","title":"Help with a wash and dressing","instructions":"She likes a strip wash.","fluid":false},{"id":"9a896ba5-5cf7-42c5-8a51-8eb4bd689e50","visit_type":"morning","category":"nutrition","title":"Breakfast and a drink","instructions":"Porridge with honey.","fluid":false}]}');
CREATE TABLE coordinators (
	id VARCHAR(36) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	name TEXT NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	password_hash TEXT NOT NULL, 
	is_safeguarding_lead BOOLEAN NOT NULL, 
	active BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (email)
);
INSERT INTO "coordinators" VALUES('caa9ddd4-a06d-42d4-a9a0-eb01ce3e1ed9','275b792f-c938-4177-85de-dc1a8f98598a','Sam Office','office@example.org','$argon2id$v=19$m=65536,t=3,p=4$P5W4PVKJ/o/LDmv1iZQR6A$ScDBdolNX2Pa0P0uXWmDTxuBfuqkaVpx2GmAeglSTzs',0,1);
CREATE TABLE devices (
	id VARCHAR(36) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	worker_id VARCHAR(36) NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	enrolled_at TEXT NOT NULL, 
	last_seen_at TEXT, 
	revoked_at TEXT, 
	revoked_by VARCHAR(36), 
	wiped_at TEXT, 
	app_version TEXT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (token_hash)
);
INSERT INTO "devices" VALUES('c9ef8a92-982b-46c1-869d-eddc77f61257','275b792f-c938-4177-85de-dc1a8f98598a','bfd4abd8-f15f-49b2-9a69-515ff07683f7','35958224a7be4704c86ea8b4d5e105a08ab77f1746fe4e47878e17ba3ba03e91','2026-12-05T17:52:05.052667+00:00','2026-12-05T17:52:05.070254+00:00',NULL,NULL,NULL,'');
CREATE TABLE enrolment_codes (
	code_hash VARCHAR(64) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	worker_id VARCHAR(36) NOT NULL, 
	created_at TEXT NOT NULL, 
	expires_at TEXT NOT NULL, 
	used_at TEXT, 
	device_id VARCHAR(36), 
	PRIMARY KEY (code_hash)
);
INSERT INTO "enrolment_codes" VALUES('120b1d1d8b65c4e2c44a6a0ba4a6aa97ad397a05d58050b14d6b5365f6b84334','275b792f-c938-4177-85de-dc1a8f98598a','bfd4abd8-f15f-49b2-9a69-515ff07683f7','2026-12-05T17:52:05.023945+00:00','2026-12-05T18:52:05.023945+00:00','2026-12-05T17:52:05.052667+00:00','c9ef8a92-982b-46c1-869d-eddc77f61257');
CREATE TABLE feed (
	tenant_id VARCHAR(36) NOT NULL, 
	seq BIGINT NOT NULL, 
	worker_id VARCHAR(36) NOT NULL, 
	entity VARCHAR(32) NOT NULL, 
	entity_id VARCHAR(36) NOT NULL, 
	op VARCHAR(8) NOT NULL, 
	version INTEGER NOT NULL, 
	body JSON, 
	PRIMARY KEY (tenant_id, seq)
);
INSERT INTO "feed" VALUES('275b792f-c938-4177-85de-dc1a8f98598a',1,'bfd4abd8-f15f-49b2-9a69-515ff07683f7','service_user','8cebad3a-8b75-43d3-b561-714616f107db','upsert',1,'{"name":"Margaret Ellison","preferred_name":"Margaret","area":"Headingley","address_line":"14 Cardigan Road","town":"Leeds","postcode":"LS6 3AG","access_notes":"Key safe by the back door, code 4821","allergies":["Penicillin"],"dnacpr":"DNACPR in place (purple form in kitchen drawer)","communication_needs":"Hard of hearing: face her and speak clearly","goals":["Stay living at home","Walk to the corner shop"],"id":"8cebad3a-8b75-43d3-b561-714616f107db"}');
INSERT INTO "feed" VALUES('275b792f-c938-4177-85de-dc1a8f98598a',2,'bfd4abd8-f15f-49b2-9a69-515ff07683f7','care_plan','668f88a0-6d97-43c4-8013-1b910b3204ef','upsert',1,'{"version":1,"goals":["Stay living at home","Walk to the corner shop"],"tasks":[{"id":"d0311917-3868-476e-8f1b-30c8ed61c8b1","visit_type":"morning","category":"personal_care","title":"Help with a wash and dressing","instructions":"She likes a strip wash.","fluid":false},{"id":"f65c2844-769a-4f88-843c-b0f31139c1f8","visit_type":"morning","category":"nutrition","title":"Breakfast and a drink","instructions":"Porridge with honey.","fluid":false}],"id":"668f88a0-6d97-43c4-8013-1b910b3204ef","service_user_id":"8cebad3a-8b75-43d3-b561-714616f107db"}');
INSERT INTO "feed" VALUES('275b792f-c938-4177-85de-dc1a8f98598a',3,'bfd4abd8-f15f-49b2-9a69-515ff07683f7','medicine','0a193361-1998-4352-b6f0-31b357edbc70','upsert',1,'{"name":"Amlodipine","form":"tablet","strength":"5 mg","dose":"1 tablet","route":"oral","times":["08:00"],"support_level":"prompt","time_critical":false,"window_minutes":30,"prn":null,"controlled":false,"instructions":"","start_date":"2026-01-01","stop_date":null,"id":"0a193361-1998-4352-b6f0-31b357edbc70","service_user_id":"8cebad3a-8b75-43d3-b561-714616f107db"}');
INSERT INTO "feed" VALUES('275b792f-c938-4177-85de-dc1a8f98598a',4,'bfd4abd8-f15f-49b2-9a69-515ff07683f7','visit','c25d2ab4-965e-43eb-8567-31cee3e8df64','upsert',1,'{"worker_id":"bfd4abd8-f15f-49b2-9a69-515ff07683f7","service_user_id":"8cebad3a-8b75-43d3-b561-714616f107db","visit_type":"morning","start":"2026-03-10T08:55:00+00:00","end":"2026-03-10T09:25:00+00:00","status":"scheduled"}');
INSERT INTO "feed" VALUES('275b792f-c938-4177-85de-dc1a8f98598a',5,'f93e5d53-70e3-4c36-9908-852c60cf0c98','service_user','ce21b025-e78c-4fbe-b2ef-d0884ca30280','upsert',1,'{"name":"Arthur Pennington","preferred_name":"Arthur","area":"Kirkstall","address_line":"14 Cardigan Road","town":"Leeds","postcode":"LS6 3AG","access_notes":"Key safe by the back door, code 4821","allergies":["Penicillin"],"dnacpr":"DNACPR in place (purple form in kitchen drawer)","communication_needs":"Hard of hearing: face her and speak clearly","goals":["Stay living at home","Walk to the corner shop"],"id":"ce21b025-e78c-4fbe-b2ef-d0884ca30280"}');
INSERT INTO "feed" VALUES('275b792f-c938-4177-85de-dc1a8f98598a',6,'f93e5d53-70e3-4c36-9908-852c60cf0c98','care_plan','93773979-0914-4791-828f-b20c9206eff8','upsert',1,'{"version":1,"goals":["Stay living at home","Walk to the corner shop"],"tasks":[{"id":"36fa3111-59bd-4860-a066-d66206e4b9cd","visit_type":"morning","category":"personal_care","title":"Help with a wash and dressing","instructions":"She likes a strip wash.","fluid":false},{"id":"9a896ba5-5cf7-42c5-8a51-8eb4bd689e50","visit_type":"morning","category":"nutrition","title":"Breakfast and a drink","instructions":"Porridge with honey.","fluid":false}],"id":"93773979-0914-4791-828f-b20c9206eff8","service_user_id":"ce21b025-e78c-4fbe-b2ef-d0884ca30280"}');
INSERT INTO "feed" VALUES('275b792f-c938-4177-85de-dc1a8f98598a',7,'f93e5d53-70e3-4c36-9908-852c60cf0c98','medicine','4e9b8dd9-0164-4618-84db-69b1331b24e6','upsert',1,'{"name":"Amlodipine","form":"tablet","strength":"5 mg","dose":"1 tablet","route":"oral","times":["08:00"],"support_level":"prompt","time_critical":false,"window_minutes":30,"prn":null,"controlled":false,"instructions":"","start_date":"2026-01-01","stop_date":null,"id":"4e9b8dd9-0164-4618-84db-69b1331b24e6","service_user_id":"ce21b025-e78c-4fbe-b2ef-d0884ca30280"}');
INSERT INTO "feed" VALUES('275b792f-c938-4177-85de-dc1a8f98598a',8,'f93e5d53-70e3-4c36-9908-852c60cf0c98','visit','792d252b-769b-4f15-8747-07aed0f027e9','upsert',1,'{"worker_id":"f93e5d53-70e3-4c36-9908-852c60cf0c98","service_user_id":"ce21b025-e78c-4fbe-b2ef-d0884ca30280","visit_type":"morning","start":"2026-03-10T09:55:00+00:00","end":"2026-03-10T10:25:00+00:00","status":"scheduled"}');
CREATE TABLE feed_floor (
	tenant_id VARCHAR(36) NOT NULL, 
	seq BIGINT NOT NULL, 
	PRIMARY KEY (tenant_id)
);
CREATE TABLE medicines (
	id VARCHAR(36) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	service_user_id VARCHAR(36) NOT NULL, 
	version INTEGER NOT NULL, 
	body JSON NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "medicines" VALUES('0a193361-1998-4352-b6f0-31b357edbc70','275b792f-c938-4177-85de-dc1a8f98598a','8cebad3a-8b75-43d3-b561-714616f107db',1,'{"name":"Amlodipine","form":"tablet","strength":"5 mg","dose":"1 tablet","route":"oral","times":["08:00"],"support_level":"prompt","time_critical":false,"window_minutes":30,"prn":null,"controlled":false,"instructions":"","start_date":"2026-01-01","stop_date":null}');
INSERT INTO "medicines" VALUES('4e9b8dd9-0164-4618-84db-69b1331b24e6','275b792f-c938-4177-85de-dc1a8f98598a','ce21b025-e78c-4fbe-b2ef-d0884ca30280',1,'{"name":"Amlodipine","form":"tablet","strength":"5 mg","dose":"1 tablet","route":"oral","times":["08:00"],"support_level":"prompt","time_critical":false,"window_minutes":30,"prn":null,"controlled":false,"instructions":"","start_date":"2026-01-01","stop_date":null}');
CREATE TABLE monitor_heartbeat (
	holder TEXT NOT NULL, 
	beat_at TEXT NOT NULL, 
	PRIMARY KEY (holder)
);
CREATE TABLE records (
	id VARCHAR(36) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	device_id VARCHAR(36) NOT NULL, 
	worker_id VARCHAR(36) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	visit_id VARCHAR(36), 
	service_user_id VARCHAR(36), 
	recorded_at TEXT NOT NULL, 
	version INTEGER NOT NULL, 
	corrects VARCHAR(36), 
	envelope JSON NOT NULL, 
	facts JSON NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	received_at TEXT NOT NULL, 
	seq BIGINT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "records" VALUES('4bccfb09-fda3-4d32-af3a-ebe27439c34f','275b792f-c938-4177-85de-dc1a8f98598a','c9ef8a92-982b-46c1-869d-eddc77f61257','bfd4abd8-f15f-49b2-9a69-515ff07683f7','note','c25d2ab4-965e-43eb-8567-31cee3e8df64',NULL,'2026-03-10T09:00:00+00:00',1,NULL,'{"v":2,"alg":"A256GCM","nonce":"kIExuvwXpHvaOgY8","ct":"qIMAeiVjPL7uqeTnyKj7rhsk1deTRo4B+eWc9tC6xwjkCtbaA9rHq8RH","dk":{"nonce":"sXJR6dy+qwrWP+m/","ct":"4FZWHyOkKwxUSwpVLHc9lyK0TpbmS2wumRYZSxdQDqLC8vsSzaSB8bUhOgedHsm1"},"ek":{"epk":"/8mF5zPsyEESqEM47kA43ncmylki8uJO7km0X1VMklI=","nonce":"CpgY7qDT/Ud2VxJK","ct":"VjIliyIMoucx/USrxlriJscoeS6YAIhlcWmJTr8yAuRNnb2hfy6Cs7rxARMtoRAN"}}','{}','3fa33c760512cf839bc882c401c596c3a20cfb53ae6d51d9644f902a67092e60','2026-12-05T17:52:05.070254+00:00',9);
INSERT INTO "records" VALUES('07404d3f-991a-4e7a-8bf0-a9d8587e3394','275b792f-c938-4177-85de-dc1a8f98598a','c9ef8a92-982b-46c1-869d-eddc77f61257','bfd4abd8-f15f-49b2-9a69-515ff07683f7','note','c25d2ab4-965e-43eb-8567-31cee3e8df64',NULL,'2026-03-10T09:00:00+00:00',1,NULL,'{"v":2,"alg":"A256GCM","nonce":"u2Q/KhqlYa0bV6N1","ct":"9fxrowo/UrLZOyxZqZ+9xb5WoDq7Hy/LVJ7hHdJXI7TVHblQteeRzG3IUQ==","dk":{"nonce":"n6HcNKdSrTd7WSeS","ct":"Ud6+1HOnM1WUNlDkD52eoSbICXuB94ScBAJkc1FObiFxOotTY0YH3CXf+xyglSmO"},"ek":{"epk":"22QCgK7asmVPay5rP+dkQAkyZz51ZeOe4njy+Q258WM=","nonce":"l9YuLucA1QsPweyD","ct":"VkuJ1WjWIG7dUoyhLo2YEntHcmwm58+GeLX0fgBdz6XEeW7mmnzEDa45hcUPbFZf"}}','{}','72dce7b547a2d177aa8fc4c81b35755d5f0be21c9f9b75a4e1a46dc7c88afbd4','2026-12-05T17:52:05.070254+00:00',10);
CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	applied_at TEXT NOT NULL, 
	PRIMARY KEY (version), 
	UNIQUE (version)
);
INSERT INTO "schema_version" VALUES(1,'2026-12-05T17:52:04.634888+00:00');
INSERT INTO "schema_version" VALUES(2,'2026-12-05T17:52:04.636259+00:00');
INSERT INTO "schema_version" VALUES(3,'2026-12-05T17:52:04.636645+00:00');
INSERT INTO "schema_version" VALUES(4,'2026-12-05T17:52:04.636948+00:00');
INSERT INTO "schema_version" VALUES(5,'2026-12-05T17:52:04.637215+00:00');
CREATE TABLE service_users (
	id VARCHAR(36) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	version INTEGER NOT NULL, 
	body JSON NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "service_users" VALUES('8cebad3a-8b75-43d3-b561-714616f107db','275b792f-c938-4177-85de-dc1a8f98598a',1,'{"name":"Margaret Ellison","preferred_name":"Margaret","area":"Headingley","address_line":"14 Cardigan Road","town":"Leeds","postcode":"LS6 3AG","access_notes":"Key safe by the back door, code 4821","allergies":["Penicillin"],"dnacpr":"DNACPR in place (purple form in kitchen drawer)","communication_needs":"Hard of hearing: face her and speak clearly","goals":["Stay living at home","Walk to the corner shop"]}');
INSERT INTO "service_users" VALUES('ce21b025-e78c-4fbe-b2ef-d0884ca30280','275b792f-c938-4177-85de-dc1a8f98598a',1,'{"name":"Arthur Pennington","preferred_name":"Arthur","area":"Kirkstall","address_line":"14 Cardigan Road","town":"Leeds","postcode":"LS6 3AG","access_notes":"Key safe by the back door, code 4821","allergies":["Penicillin"],"dnacpr":"DNACPR in place (purple form in kitchen drawer)","communication_needs":"Hard of hearing: face her and speak clearly","goals":["Stay living at home","Walk to the corner shop"]}');
ANALYZE "sqlite_master";
INSERT INTO "sqlite_stat1" VALUES('schema_version','sqlite_autoindex_schema_version_1','5 1');
CREATE TABLE tenants (
	id VARCHAR(36) NOT NULL, 
	name TEXT NOT NULL, 
	office_phone TEXT NOT NULL, 
	on_call_phone TEXT NOT NULL, 
	timezone TEXT NOT NULL, 
	escrow_public_key TEXT NOT NULL, 
	clock BIGINT NOT NULL, 
	revoked_devices_may_push BOOLEAN DEFAULT 1 NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "tenants" VALUES('275b792f-c938-4177-85de-dc1a8f98598a','Test Home Care','0113 496 0000','','Europe/London','yO4AhNuAyfT+EEtyNVU9d96LBwvsUrF7JR5jTp5i3F8=',10,1);
CREATE TABLE visits (
	id VARCHAR(36) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	worker_id VARCHAR(36) NOT NULL, 
	service_user_id VARCHAR(36) NOT NULL, 
	visit_type TEXT NOT NULL, 
	start TEXT NOT NULL, 
	"end" TEXT NOT NULL, 
	status TEXT NOT NULL, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "visits" VALUES('c25d2ab4-965e-43eb-8567-31cee3e8df64','275b792f-c938-4177-85de-dc1a8f98598a','bfd4abd8-f15f-49b2-9a69-515ff07683f7','8cebad3a-8b75-43d3-b561-714616f107db','morning','2026-03-10T08:55:00+00:00','2026-03-10T09:25:00+00:00','scheduled',1);
INSERT INTO "visits" VALUES('792d252b-769b-4f15-8747-07aed0f027e9','275b792f-c938-4177-85de-dc1a8f98598a','f93e5d53-70e3-4c36-9908-852c60cf0c98','ce21b025-e78c-4fbe-b2ef-d0884ca30280','morning','2026-03-10T09:55:00+00:00','2026-03-10T10:25:00+00:00','scheduled',1);
CREATE TABLE workers (
	id VARCHAR(36) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	name TEXT NOT NULL, 
	phone TEXT NOT NULL, 
	area TEXT NOT NULL, 
	role TEXT NOT NULL, 
	active BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "workers" VALUES('bfd4abd8-f15f-49b2-9a69-515ff07683f7','275b792f-c938-4177-85de-dc1a8f98598a','Amira Khan','','Headingley','care_worker',1);
INSERT INTO "workers" VALUES('f93e5d53-70e3-4c36-9908-852c60cf0c98','275b792f-c938-4177-85de-dc1a8f98598a','Tom Baxter','','Armley','care_worker',1);
CREATE INDEX ix_workers_tenant_id ON workers (tenant_id);
CREATE INDEX ix_coordinators_tenant_id ON coordinators (tenant_id);
CREATE INDEX ix_devices_worker_id ON devices (worker_id);
CREATE INDEX ix_service_users_tenant_id ON service_users (tenant_id);
CREATE INDEX ix_care_plans_service_user_id ON care_plans (service_user_id);
CREATE INDEX ix_medicines_service_user_id ON medicines (service_user_id);
CREATE INDEX visits_by_start ON visits (tenant_id, start);
CREATE INDEX visits_by_worker_start ON visits (worker_id, start);
CREATE INDEX ix_records_visit_id ON records (visit_id);
CREATE INDEX ix_records_service_user_id ON records (service_user_id);
CREATE INDEX feed_by_worker ON feed (tenant_id, worker_id, seq);
COMMIT;

#!/usr/bin/env python3
"""Makes exactly the HTTP calls of the learnware package's LearnwareClient
(learnware/client/learnware_client.py) against a host, byte for byte in field names and
encodings, and checks the answers. Phases let the test runner complete check jobs between
the upload and the search (as a runner would).

usage: beimingwu_client.py HOST EMAIL TOKEN STATE_JSON PHASE [ZIP STAT_JSON]
"""
import hashlib
import json
import os
import sys
import tempfile

import requests

CHUNK_SIZE = 1024 * 1024


def file_chunks(file_path):
    with open(file_path, "rb") as fin:
        while True:
            chunk = fin.read(CHUNK_SIZE)
            if not chunk:
                break
            yield chunk


def compute_file_hash(file_path):
    file_hash = hashlib.md5()
    for chunk in file_chunks(file_path):
        file_hash.update(chunk)
    return file_hash.hexdigest()


def expect(cond, what):
    if not cond:
        raise SystemExit("FAILED: " + what)


host, email, token, state_path, phase = sys.argv[1:6]
state = json.load(open(state_path)) if os.path.exists(state_path) else {}


def login():
    # LearnwareClient.is_connected
    response = requests.post(f"{host}/auth/login_by_token")
    expect(response.status_code != 404, "is_connected: login_by_token exists")
    # LearnwareClient.login
    response = requests.post(f"{host}/auth/login_by_token", json={"email": email, "token": token})
    result = response.json()
    expect(result["code"] == 0, "login: " + json.dumps(result))
    bad = requests.post(f"{host}/auth/login_by_token", json={"email": email, "token": "wrong"}).json()
    expect(bad["code"] == 53, "login with a wrong token gives code 53: " + json.dumps(bad))
    return {"Authorization": f"Bearer {result['data']['token']}"}


headers = login()

if phase == "upload":
    zip_path, stat_path = sys.argv[6], sys.argv[7]
    semantic_specification = json.loads(os.environ["LW_TEST_SEMANTIC"])

    # list_semantic_specification_values
    result = requests.get(f"{host}/engine/semantic_specification", headers=headers).json()
    expect("Table" in result["data"]["semantic_specification"]["Data"]["Values"], "semantic options: " + json.dumps(result)[:200])
    expect("MIT" in result["data"]["semantic_specification"]["License"]["Values"], "license options")

    # upload_learnware
    file_hash = compute_file_hash(zip_path)
    url_upload = f"{host}/user/chunked_upload"
    begin = 0
    n_chunks = 0
    for chunk in file_chunks(zip_path):
        response = requests.post(
            url_upload,
            files={
                "chunk_file": chunk,
            },
            data={
                "file_hash": file_hash,
                "chunk_begin": begin,
            },
            headers=headers,
        )
        result = response.json()
        expect(result["code"] == 0, "upload chunk: " + json.dumps(result))
        begin += len(chunk)
        n_chunks += 1
    expect(n_chunks >= 2, "the package spans several chunks")

    url_add = f"{host}/user/add_learnware_uploaded"
    response = requests.post(
        url_add,
        json={
            "file_hash": file_hash,
            "semantic_specification": json.dumps(semantic_specification),
        },
        headers=headers,
    )
    result = response.json()
    expect(result["code"] == 0, "add_learnware_uploaded: " + json.dumps(result))
    learnware_id = result["data"]["learnware_id"]

    # An invalid semantic specification is refused.
    bad_spec = dict(semantic_specification, Data={"Type": "Class", "Values": ["Table", "Image"]})
    result = requests.post(url_add, json={"file_hash": file_hash, "semantic_specification": json.dumps(bad_spec)}, headers=headers).json()
    expect(result["code"] != 0, "bad semantic spec refused")

    # list_learnware
    response = requests.post(f"{host}/user/list_learnware", json={"page": 0, "limit": 10000}, headers=headers)
    result = response.json()
    expect(result["code"] == 0, "list: " + json.dumps(result))
    learnware_list = result["data"]["learnware_list"]
    expect([x["learnware_id"] for x in learnware_list] == [learnware_id], "list holds the upload")
    expect(learnware_list[0]["verify_status"] == "WAITING", "pending until checked")
    expect(learnware_list[0]["semantic_specification"]["Name"]["Values"] == semantic_specification["Name"]["Values"], "list semantic")

    state.update({"learnware_id": learnware_id, "md5": file_hash})
    json.dump(state, open(state_path, "w"))

elif phase == "search":
    zip_path, stat_path = sys.argv[6], sys.argv[7]
    learnware_id = state["learnware_id"]
    semantic_specification = json.loads(os.environ["LW_TEST_SEMANTIC"])
    url = f"{host}/engine/search_learnware"

    # search_learnware without a stat spec: files=None → a urlencoded form
    response = requests.post(
        url,
        files=None,
        data={
            "semantic_specification": json.dumps({"Name": {"Values": "", "Type": "String"}, "Data": {"Values": ["Table"], "Type": "Class"}}),
            "limit": 10,
            "page": 0,
        },
        headers=headers,
    )
    result = response.json()
    expect(result["code"] == 0, "semantic search: " + json.dumps(result))
    expect(learnware_id in [x["learnware_id"] for x in result["data"]["learnware_list_single"]], "semantic search finds it")

    # search_learnware with a stat spec file, opened in text mode as the client does
    with open(stat_path, "r") as fin:
        response = requests.post(
            url,
            files={"statistical_specification": fin},
            data={
                "semantic_specification": json.dumps(semantic_specification),
                "limit": 10,
                "page": 0,
            },
            headers=headers,
        )
    result = response.json()
    expect(result["code"] == 0, "stat search: " + json.dumps(result)[:300])
    single = result["data"]["learnware_list_single"]
    expect(single[0]["learnware_id"] == learnware_id, "stat search ranks it first")
    expect(single[0]["matching"] > 0, "matching score")
    expect(single[0]["semantic_specification"]["Name"]["Values"] == semantic_specification["Name"]["Values"], "semantic in result")
    expect(isinstance(result["data"]["learnware_list_multi"], list), "multi list present")

    # learnware_info (Beimingwu engine API)
    result = requests.get(f"{host}/engine/learnware_info", params={"learnware_id": learnware_id}, headers=headers).json()
    expect(result["code"] == 0 and result["data"]["learnware_info"]["semantic_specification"]["Name"] == semantic_specification["Name"], "learnware_info")
    expect(result["data"]["learnware_info"]["last_modify"] > "2020-01-01 00:00:00", "last_modify string")

    # download_learnware
    response = requests.get(f"{host}/engine/download_learnware", params={"learnware_id": learnware_id}, headers=headers, stream=True)
    expect(response.status_code == 200, "download status")
    expect(int(response.headers["Content-Length"]) == os.path.getsize(zip_path), "Content-Length")
    with tempfile.TemporaryDirectory() as d:
        save_path = os.path.join(d, "dl.zip")
        with open(save_path, "wb") as f:
            for chunk in response.iter_content(chunk_size=CHUNK_SIZE):
                f.write(chunk)
        expect(compute_file_hash(save_path) == state["md5"], "downloaded bytes equal the upload")

    # update_learnware without a file: files={"learnware_file": None}
    new_spec = dict(semantic_specification, Description={"Type": "String", "Values": "updated from python"})
    payload = {"learnware_id": learnware_id, "semantic_specification": json.dumps(new_spec)}
    response = requests.post(f"{host}/user/update_learnware", files={"learnware_file": None}, data=payload, headers=headers)
    result = response.json()
    expect(result["code"] == 0, "update (no file): " + json.dumps(result))
    # ... and with the file
    response = requests.post(f"{host}/user/update_learnware", files={"learnware_file": open(zip_path, "rb")}, data=payload, headers=headers)
    result = response.json()
    expect(result["code"] == 0, "update (file): " + json.dumps(result))
    result = requests.post(f"{host}/user/list_learnware", json={"page": 0, "limit": 10000}, headers=headers).json()
    expect(result["data"]["learnware_list"][0]["semantic_specification"]["Description"]["Values"] == "updated from python", "update visible")
    expect(result["data"]["learnware_list"][0]["verify_status"] == "WAITING", "update sets pending")

    # delete_learnware
    response = requests.post(f"{host}/user/delete_learnware", json={"learnware_id": learnware_id}, headers=headers)
    result = response.json()
    expect(result["code"] == 0, "delete: " + json.dumps(result))
    result = requests.post(f"{host}/user/delete_learnware", json={"learnware_id": learnware_id}, headers=headers).json()
    expect(result["code"] == 51, "delete again: not exist")

    # logout
    result = requests.post(f"{host}/auth/logout", headers=headers).json()
    expect(result["code"] == 0, "logout")
    response = requests.post(f"{host}/user/list_learnware", json={"page": 0, "limit": 10000}, headers=headers)
    expect(response.status_code == 401, "the session token no longer works after logout")

elif phase == "hetero":
    # The documented heterogeneous query of the learnware client: a table with 10 of wine's 13
    # columns, the user's semantic spec describing each column in Input.Description, the RKME
    # file sent as search_learnware sends it. The server answers is_hetero with the learnware.
    stat_path = sys.argv[6]
    learnware_id = os.environ["LW_TEST_LEARNWARE"]
    semantic_specification = json.loads(os.environ["LW_TEST_SEMANTIC"])
    with open(stat_path, "r") as fin:
        response = requests.post(
            f"{host}/engine/search_learnware",
            files={"statistical_specification": fin},
            data={"semantic_specification": json.dumps(semantic_specification), "limit": 10, "page": 0},
            headers=headers,
        )
    result = response.json()
    expect(result["code"] == 0, "hetero search: " + json.dumps(result)[:300])
    expect(result["data"]["is_hetero"] is True, "is_hetero: " + json.dumps(result)[:300])
    single = result["data"]["learnware_list_single"]
    expect(len(single) > 0 and single[0]["learnware_id"] == learnware_id, "hetero search finds the wine learnware: " + json.dumps(result)[:300])
    expect(single[0]["matching"] > 0, "matching score")

print("OK", phase)

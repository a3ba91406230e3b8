{#
    The Parquet files of a per-day raw table as the export holds them now, one row each: the
    file (as the staging view names it), its id (raw_file_id, as every staged row carries)
    and a fingerprint of its size and modification time. int_raw_files lists both per-day
    tables; a validated row keeps the fingerprint of the file it was loaded from, so a file
    rewritten in place or removed after its days were loaded is found by comparing the two
    (raw_data_day_reconciliation), from the files' metadata alone: no row is read again.
#}
{% macro raw_file_listing(table_name) %}
    {{ return(adapter.dispatch('raw_file_listing', 'broker_segments')(table_name)) }}
{% endmacro %}

{# DuckDB: read_blob lists the files the staging view's glob reads, without their content. #}
{% macro default__raw_file_listing(table_name) %}
    select
        '{{ table_name }}' as table_name,
        filename as source_file,
        {{ raw_file_id('filename') }} as source_file_id,
        {{ hash_of(['size', 'last_modified']) }} as source_file_fingerprint
    from read_blob({{ sql_string(raw_parquet_glob(raw_table_folder(table_name))) }})
{% endmacro %}

{# Spark: the file metadata of the external table check_raw_sources declares over the folder. #}
{% macro spark__raw_file_listing(table_name) %}
    select
        '{{ table_name }}' as table_name,
        source_file,
        {{ raw_file_id('source_file') }} as source_file_id,
        {{ hash_of(['file_size', 'file_modification_time']) }} as source_file_fingerprint
    from (
        select distinct
            regexp_replace(_metadata.file_path, '^file:', '') as source_file,
            _metadata.file_size as file_size,
            _metadata.file_modification_time as file_modification_time
        from {{ source('broker', table_name).schema }}.{{ table_name }}__files
    ) as files
{% endmacro %}

{# A raw table's folder: BROKER_RAW_DIR (the sources' meta raw_dir) and the table's name. #}
{% macro raw_table_folder(table_name, source_name='broker') %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% for node in graph.sources.values()
        if node.source_name == source_name and node.package_name == project_name
        and node.name == table_name %}
        {{ return(node.config.meta.get('raw_dir', node.meta.get('raw_dir')) ~ '/' ~ node.name) }}
    {% endfor %}
    {{ return('') }}
{% endmacro %}

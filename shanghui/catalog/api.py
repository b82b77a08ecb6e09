from ninja import Router

router = Router(tags=["事项目录"])
